# libparkit for other projects: the header, both libraries, a CMake package
# (find_package(parkit CONFIG) -> parkit::parkit, the shared library, and parkit::parkit_static)
# and a pkg-config file (parkit.pc).  Included by drivers/CMakeLists.txt after the targets.
include(CMakePackageConfigHelpers)
set_target_properties(parkit_shared PROPERTIES EXPORT_NAME parkit)
set_target_properties(parkit_static PROPERTIES EXPORT_NAME parkit_static)
target_include_directories(parkit_shared INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_include_directories(parkit_static INTERFACE $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# what a program linking the static library needs besides it (the shared one records its own)
set(PK_STATIC_DEPS ${GMP_LIBRARY} ${JSONC_LINK_LIBRARIES} m ${CMAKE_DL_LIBS})
set(PK_PC_PRIVATE "-lgmp -ljson-c -lm -fopenmp")
target_link_libraries(parkit_static INTERFACE $<INSTALL_INTERFACE:OpenMP::OpenMP_C>)
if(PK_HAVE_MPI)
  target_link_libraries(parkit_static INTERFACE $<INSTALL_INTERFACE:MPI::MPI_C>)
  string(REPLACE ";" " " PK_PC_MPI "${MPI_C_LINK_FLAGS}")
  foreach(lib IN LISTS MPI_C_LIBRARIES)
    string(APPEND PK_PC_PRIVATE " ${lib}")
  endforeach()
endif()
foreach(dep IN LISTS PK_STATIC_DEPS)
  target_link_libraries(parkit_static INTERFACE $<INSTALL_INTERFACE:${dep}>)
endforeach()

install(FILES ${PROJECT_SOURCE_DIR}/include/parkit.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS parkit_shared parkit_static EXPORT parkitTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
set(PK_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/parkit)
install(EXPORT parkitTargets NAMESPACE parkit:: DESTINATION ${PK_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/parkitConfig.cmake.in
  ${CMAKE_BINARY_DIR}/parkitConfig.cmake INSTALL_DESTINATION ${PK_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/parkitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/parkitConfig.cmake ${CMAKE_BINARY_DIR}/parkitConfigVersion.cmake
        DESTINATION ${PK_CMAKE_DIR})
file(RELATIVE_PATH PK_PC_TO_PREFIX ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
string(REGEX REPLACE "/$" "" PK_PC_TO_PREFIX "${PK_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/parkit.pc.in ${CMAKE_BINARY_DIR}/parkit.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/parkit.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DATADIR}/parkit/examples)
