# Builds and runs tests/packaging/consumer against fnn, twice: the core alone, with zlib hidden from
# CMake (so that neither fnn's package nor its source tree may need it) and checked absent from the
# program's link line; then the core and the extras. Run with cmake -P and:
#   MODE=find_package:     FNN_BINARY_DIR (a configured fnn build tree to install from), WORK_DIR
#   MODE=core_install:     FNN_SOURCE_DIR, WORK_DIR: fnn configured without its tests, examples and
#                          benchmarks and with zlib and protobuf hidden, installed, and the core consumer built against
#                          that install (the extras part is skipped: there are no extras to find)
#   MODE=add_subdirectory or FetchContent: FNN_SOURCE_DIR, WORK_DIR
function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGV}")
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(consumer ${CMAKE_CURRENT_LIST_DIR}/consumer)
if(MODE STREQUAL "core_install")
  run(${CMAKE_COMMAND} -S ${FNN_SOURCE_DIR} -B ${WORK_DIR}/fnn -DFNN_BUILD_TESTS=OFF -DFNN_BUILD_EXAMPLES=OFF
      -DFNN_BUILD_BENCHMARKS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON -DCMAKE_DISABLE_FIND_PACKAGE_Protobuf=ON)
  run(${CMAKE_COMMAND} --install ${WORK_DIR}/fnn --prefix ${WORK_DIR}/prefix)
  if(NOT EXISTS ${WORK_DIR}/prefix/include/fnn/fnn.hpp OR EXISTS ${WORK_DIR}/prefix/include/fnn/extras.hpp OR
     EXISTS ${WORK_DIR}/prefix/include/fnn/onnx.hpp)
    message(FATAL_ERROR "the core-only install should hold fnn/fnn.hpp and neither fnn/extras.hpp nor fnn/onnx.hpp")
  endif()
  set(source_options -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
elseif(MODE STREQUAL "find_package")
  run(${CMAKE_COMMAND} --install ${FNN_BINARY_DIR} --prefix ${WORK_DIR}/prefix)
  set(source_options -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix)
else()
  set(source_options -DFNN_CONSUME=${MODE} -DFNN_SOURCE_DIR=${FNN_SOURCE_DIR})
endif()

# The core alone.
set(core ${WORK_DIR}/core)
run(${CMAKE_COMMAND} -S ${consumer} -B ${core} ${source_options} -DCMAKE_BUILD_TYPE=Release
    -DFNN_CONSUMER_EXTRAS=OFF -DCMAKE_DISABLE_FIND_PACKAGE_ZLIB=ON)
run(${CMAKE_COMMAND} --build ${core})
file(READ ${core}/CMakeFiles/consumer.dir/link.txt link_line)
if(link_line MATCHES "libz|-lz|stb|fnn_extras")
  message(FATAL_ERROR "the core-only consumer links more than the core: ${link_line}")
endif()
run(${core}/consumer)
if(MODE STREQUAL "core_install")
  return()
endif()

# The core and the extras, beside the program's own stb.
set(extras ${WORK_DIR}/extras)
run(${CMAKE_COMMAND} -S ${consumer} -B ${extras} ${source_options} -DCMAKE_BUILD_TYPE=Release -DFNN_CONSUMER_EXTRAS=ON)
run(${CMAKE_COMMAND} --build ${extras})
execute_process(COMMAND ${extras}/consumer_extras WORKING_DIRECTORY ${extras} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "consumer_extras failed (${rc})")
endif()
