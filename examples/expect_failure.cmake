# Runs COMMAND (a ;-list) and passes when it exits with status 2 and prints EXPECT on stderr: how the
# examples must treat bad input (a one-line error, no crash, no exception trace).
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2)
  message(FATAL_ERROR "expected exit status 2, got ${rc}\nstdout:\n${out}\nstderr:\n${err}")
endif()
string(FIND "${err}" "${EXPECT}" at)
if(at EQUAL -1)
  message(FATAL_ERROR "stderr lacks \"${EXPECT}\":\n${err}")
endif()
