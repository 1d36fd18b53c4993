cmake_minimum_required(VERSION 3.25)
# Extracts every ```cpp block of a Markdown file, compiles each as its own program and runs it, so the
# documentation cannot drift from the library. Run with cmake -P and:
#   MARKDOWN (the file), WORK_DIR, CXX (the compiler), FLAGS (a ;-list of compile flags), LIBS (a ;-list
#   of libraries to link)
file(READ ${MARKDOWN} text)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
# Walks the text with string(FIND) rather than CMake lists, which would split the code at semicolons.
set(index 0)
while(TRUE)
  string(FIND "${text}" "```cpp\n" open)
  if(open EQUAL -1)
    break()
  endif()
  math(EXPR open "${open} + 7")
  string(SUBSTRING "${text}" ${open} -1 text)
  string(FIND "${text}" "```" close)
  string(SUBSTRING "${text}" 0 ${close} code)
  string(SUBSTRING "${text}" ${close} -1 text)
  math(EXPR index "${index} + 1")
  set(source ${WORK_DIR}/snippet${index}.cpp)
  file(WRITE ${source} "${code}")
  execute_process(COMMAND ${CXX} ${FLAGS} ${source} -o ${WORK_DIR}/snippet${index} ${LIBS}
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${MARKDOWN}: C++ block ${index} does not compile:\n${err}")
  endif()
  execute_process(COMMAND ${WORK_DIR}/snippet${index} WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE rc
                  OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${MARKDOWN}: C++ block ${index} exits with ${rc}:\n${out}\n${err}")
  endif()
  # A reader takes what the documentation prints as what fnn gives: a negative zero or a NaN there is a
  # fault shown to every reader.
  if(out MATCHES "(^|[^0-9.])-0([^0-9.]|$)" OR out MATCHES "(^|[^A-Za-z])-?nan([^A-Za-z]|$)")
    message(FATAL_ERROR "${MARKDOWN}: C++ block ${index} prints a negative zero or a NaN:\n${out}")
  endif()
  message(STATUS "${MARKDOWN}: C++ block ${index} compiles and runs")
endwhile()
if(index EQUAL 0)
  message(FATAL_ERROR "${MARKDOWN} has no ```cpp block")
endif()
