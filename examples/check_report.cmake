# Opens a run's HTML report in headless Chromium and passes when every image on the page decoded: the
# page's script writes data-images-loaded="k/n" on <body>, and k must equal n = IMAGES. Also checks that
# each figure was written as its own SVG file, and leaves a screenshot (REPORT.png) to look at.
# Run with cmake -P and: REPORT (the .report.html), IMAGES (how many images the page must show),
# FIGURES (a ;-list of the figure names beside it: STEM.NAME.svg).
find_program(chromium NAMES chromium chromium-browser)
if(NOT chromium)
  message(FATAL_ERROR "chromium is not installed: bash scripts/install-deps.sh installs it (Debian's chromium)")
endif()
string(REGEX REPLACE "\\.report\\.html$" "" stem "${REPORT}")
foreach(figure ${FIGURES})
  if(NOT EXISTS "${stem}.${figure}.svg")
    message(FATAL_ERROR "the run did not write ${stem}.${figure}.svg")
  endif()
endforeach()
get_filename_component(folder "${REPORT}" DIRECTORY)
set(browser ${chromium} --headless --no-sandbox --disable-gpu --user-data-dir=${folder}/chromium-profile)
execute_process(COMMAND ${browser} --dump-dom "file://${REPORT}" RESULT_VARIABLE rc OUTPUT_VARIABLE dom
                ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "chromium exited with ${rc}:\n${err}")
endif()
if(NOT dom MATCHES "data-images-loaded=\"([0-9]+)/([0-9]+)\"")
  message(FATAL_ERROR "the page's load handler did not run; chromium printed:\n${dom}\n${err}")
endif()
if(NOT CMAKE_MATCH_1 EQUAL IMAGES OR NOT CMAKE_MATCH_2 EQUAL IMAGES)
  message(FATAL_ERROR "${CMAKE_MATCH_1} of ${CMAKE_MATCH_2} images decoded; the report should show ${IMAGES}")
endif()
execute_process(COMMAND ${browser} --hide-scrollbars --window-size=1200,5000 "--screenshot=${REPORT}.png"
                "file://${REPORT}" RESULT_VARIABLE rc ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0 OR NOT EXISTS "${REPORT}.png")
  message(FATAL_ERROR "chromium could not take a screenshot (${rc}):\n${err}")
endif()
message(STATUS "${REPORT}: ${IMAGES} of ${IMAGES} images decoded; screenshot ${REPORT}.png")
