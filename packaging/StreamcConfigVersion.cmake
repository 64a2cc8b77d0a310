# StreamcConfigVersion.cmake - the version of the streamc install this
# file is part of (<prefix>/lib/cmake/Streamc/), for find_package(Streamc
# [VERSION]). Compatibility is SameMajorVersion, as CMake's
# write_basic_package_version_file() writes it: 0.1.0 satisfies a request
# for 0.0 or 0.1 or a range like 0.1...<1.0, not for 1.0 or 0.2
# (SameMajorVersion compares majors only, even for 0.x).
#
# The version is read from the installed runtime header (SR_VERSION in
# <prefix>/include/streamc/streamrt.h), so it always matches what is
# installed and needs no substitution at install time.

set(PACKAGE_VERSION "")
set(_Streamc_header "${CMAKE_CURRENT_LIST_DIR}/../../../include/streamc/streamrt.h")
if(EXISTS "${_Streamc_header}")
  file(STRINGS "${_Streamc_header}" _Streamc_line
       REGEX "^#define SR_VERSION \"[0-9]+\\.[0-9]+\\.[0-9]+\"" LIMIT_COUNT 1)
  string(REGEX REPLACE "^#define SR_VERSION \"([0-9.]+)\".*$" "\\1" PACKAGE_VERSION "${_Streamc_line}")
  unset(_Streamc_line)
endif()
unset(_Streamc_header)
if(NOT PACKAGE_VERSION)
  set(PACKAGE_VERSION "0.0.0")
  set(PACKAGE_VERSION_UNSUITABLE TRUE)
  return()
endif()

# From here on, the logic of CMake 3.25's write_basic_package_version_file(
# COMPATIBILITY SameMajorVersion ARCH_INDEPENDENT): the runtime is a static
# library for the machine it was built on, which a request from a project
# for another architecture cannot be told apart from by a version.
string(REGEX REPLACE "^0*([0-9]+)\\..*$" "\\1" _Streamc_major "${PACKAGE_VERSION}")
if(PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION)
  set(PACKAGE_VERSION_COMPATIBLE FALSE)
elseif(PACKAGE_FIND_VERSION_RANGE)
  # both ends of the range must have the installed major version
  math(EXPR _Streamc_next_major "${_Streamc_major} + 1")
  if(NOT PACKAGE_FIND_VERSION_MIN_MAJOR STREQUAL _Streamc_major
     OR (PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "INCLUDE" AND NOT PACKAGE_FIND_VERSION_MAX_MAJOR STREQUAL _Streamc_major)
     OR (PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "EXCLUDE" AND NOT PACKAGE_FIND_VERSION_MAX VERSION_LESS_EQUAL _Streamc_next_major))
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
  elseif((PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "INCLUDE" AND PACKAGE_VERSION VERSION_LESS_EQUAL PACKAGE_FIND_VERSION_MAX)
         OR (PACKAGE_FIND_VERSION_RANGE_MAX STREQUAL "EXCLUDE" AND PACKAGE_VERSION VERSION_LESS PACKAGE_FIND_VERSION_MAX))
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  else()
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
  endif()
  unset(_Streamc_next_major)
else()
  if(PACKAGE_FIND_VERSION_MAJOR STREQUAL _Streamc_major)
    set(PACKAGE_VERSION_COMPATIBLE TRUE)
  else()
    set(PACKAGE_VERSION_COMPATIBLE FALSE)
  endif()
  if(PACKAGE_FIND_VERSION STREQUAL PACKAGE_VERSION)
    set(PACKAGE_VERSION_EXACT TRUE)
  endif()
endif()
unset(_Streamc_major)
