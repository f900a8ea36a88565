# cmocka, the unit-test library (tests only).  Defines CMocka_FOUND and the target
# CMocka::CMocka.  A find module, so that -DCMAKE_DISABLE_FIND_PACKAGE_CMocka=ON builds
# without it even where it is installed (CI checks the build without each dependency).
find_library(CMOCKA_LIBRARY cmocka)
find_path(CMOCKA_INCLUDE_DIR cmocka.h)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CMocka REQUIRED_VARS CMOCKA_LIBRARY CMOCKA_INCLUDE_DIR)
if(CMocka_FOUND AND NOT TARGET CMocka::CMocka)
  add_library(CMocka::CMocka UNKNOWN IMPORTED)
  set_target_properties(CMocka::CMocka PROPERTIES IMPORTED_LOCATION "${CMOCKA_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${CMOCKA_INCLUDE_DIR}")
endif()
mark_as_advanced(CMOCKA_LIBRARY CMOCKA_INCLUDE_DIR)
