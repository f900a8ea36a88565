# Run at every build (target pk_gitstamp): writes OUT, a header defining PK_GIT_COMMIT as
# the commit the sources are at ("-dirty" when tracked files other than the benchmark
# outputs under results/ differ from it), and touches it only when that changes -- so the
# binary never reports the commit of an older configure run, and an unchanged tree
# rebuilds nothing.
#   cmake -DGIT=<git> -DSRC=<source dir> -DOUT=<header> -P gitstamp.cmake
# A source tree owned by another user (a shared checkout, a build as yourself of root's copy)
# is refused by git ("dubious ownership", safe.directory) and read as "unknown". Building runs
# this tree's code anyway, so the two reads below trust it -- this directory only, for these
# two commands only (-c safe.directory), with no hooks of its config run (core.fsmonitor).
set(commit "unknown")
if(GIT)
  file(REAL_PATH "${SRC}" src)
  set(git "${GIT}" -c "safe.directory=${src}" -c core.fsmonitor=false)
  execute_process(COMMAND ${git} rev-parse --short=12 HEAD
                  WORKING_DIRECTORY "${src}" OUTPUT_VARIABLE out RESULT_VARIABLE rc
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(rc EQUAL 0 AND out)
    set(commit "${out}")
    execute_process(COMMAND ${git} diff --quiet HEAD -- . ":(exclude)results"
                    WORKING_DIRECTORY "${src}" RESULT_VARIABLE dirty ERROR_QUIET)
    if(dirty EQUAL 1)
      string(APPEND commit "-dirty")
    endif()
  endif()
endif()
set(text "#define PK_GIT_COMMIT \"${commit}\"\n")
set(old "")
if(EXISTS "${OUT}")
  file(READ "${OUT}" old)
endif()
if(NOT old STREQUAL text)
  file(WRITE "${OUT}" "${text}")
endif()
