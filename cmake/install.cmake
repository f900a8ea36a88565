# What `cmake --install` puts where, every destination from GNUInstallDirs (included by the
# top-level CMakeLists.txt just before this file; the programs are installed by
# drivers/CMakeLists.txt with the same variables).
#   ${CMAKE_INSTALL_BINDIR}/parkit                                the program
#   ${CMAKE_INSTALL_LIBEXECDIR}/parkit/parkit-fetch               the download helper (with libcurl)
#   ${CMAKE_INSTALL_MANDIR}/man1/parkit.1                         the man page (doc/parkit.1)
#   ${CMAKE_INSTALL_DATADIR}/bash-completion/completions/parkit   bash completion (doc/parkit.bash)
#   ${CMAKE_INSTALL_DATADIR}/parkit/jobs/{local,mpirun,slurm}/    the scaling and batch scripts
#   ${CMAKE_INSTALL_DATADIR}/parkit/results/{plot.sh,model.py}    plots and the performance model
# The job scripts find parkit as jobs/local/lib.sh says: $PARKIT, else the one installed
# beside them (<prefix>/bin/parkit, found from <prefix>/share/parkit), else parkit on PATH.
# Not installed: jobs/demo.sh, jobs/setup.sh and jobs/bench-*.sh (they build and write into a
# source tree), the fake-host tools jobs/mpirun/netns.sh and nsagent.sh (tests), the tests.
install(FILES ${PROJECT_SOURCE_DIR}/doc/parkit.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/doc/parkit.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME parkit)

set(PK_SHARE ${CMAKE_INSTALL_DATADIR}/parkit)
set(PK_JOBS ${PROJECT_SOURCE_DIR}/jobs)
install(PROGRAMS ${PK_JOBS}/local/omp-sweep.sh ${PK_JOBS}/local/sweep.sh ${PK_JOBS}/local/weak.sh
        DESTINATION ${PK_SHARE}/jobs/local)
install(FILES ${PK_JOBS}/local/lib.sh DESTINATION ${PK_SHARE}/jobs/local)
install(FILES ${PK_JOBS}/lib-mpi.sh DESTINATION ${PK_SHARE}/jobs)   # the launcher's flags
install(PROGRAMS ${PK_JOBS}/mpirun/strong.sh ${PK_JOBS}/mpirun/weak.sh ${PK_JOBS}/mpirun/hybrid.sh
        DESTINATION ${PK_SHARE}/jobs/mpirun)
file(GLOB PK_SBATCH CONFIGURE_DEPENDS ${PK_JOBS}/slurm/*.sbatch)
install(PROGRAMS ${PK_SBATCH} DESTINATION ${PK_SHARE}/jobs/slurm)
install(FILES ${PK_JOBS}/slurm/README.md DESTINATION ${PK_SHARE}/jobs/slurm)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/results/plot.sh ${PROJECT_SOURCE_DIR}/results/model.py
        DESTINATION ${PK_SHARE}/results)

# The installed scripts reach bin/ as ../../bin from share/parkit (jobs/local/lib.sh); say so
# when a layout is chosen where that does not hold (they then need PARKIT or PATH).
file(RELATIVE_PATH PK_SHARE_TO_BIN ${CMAKE_INSTALL_FULL_DATADIR}/parkit ${CMAKE_INSTALL_FULL_BINDIR})
if(NOT PK_SHARE_TO_BIN STREQUAL "../../bin")
  message(STATUS "parkit install: ${CMAKE_INSTALL_BINDIR} is not ../../bin from "
                 "${CMAKE_INSTALL_DATADIR}/parkit: the installed job scripts will need PARKIT "
                 "or parkit on PATH")
endif()
