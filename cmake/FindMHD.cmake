# libmicrohttpd, the HTTP server of the download tests (tests only), through pkg-config.
# Defines MHD_FOUND and the target PkgConfig::MHD.  A find module, so that
# -DCMAKE_DISABLE_FIND_PACKAGE_MHD=ON builds without it even where it is installed.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(MHD QUIET IMPORTED_TARGET libmicrohttpd)
endif()
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(MHD REQUIRED_VARS MHD_LINK_LIBRARIES)
