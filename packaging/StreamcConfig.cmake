# StreamcConfig.cmake - build .stream programs from a CMake project.
#
#   find_package(Streamc 0.1 REQUIRED)     # CMAKE_PREFIX_PATH=<prefix> if not in /usr/local
#   streamc_add_executable(wordcount wordcount.stream)   # -> ${CMAKE_CURRENT_BINARY_DIR}/wordcount
#   streamc_add_executable(fast fast.stream STREAMC_FLAGS --cflags "-O3 -march=native")
#
#   streamc_generate_c(app app.stream)     # -> ${CMAKE_CURRENT_BINARY_DIR}/app.c, to compile yourself:
#   add_executable(app ${CMAKE_CURRENT_BINARY_DIR}/app.c)
#   target_link_libraries(app PRIVATE Streamc::runtime)
#
# Defines Streamc_FOUND, Streamc_VERSION (from StreamcConfigVersion.cmake),
# Streamc_EXECUTABLE (bin/streamc), Streamc_INCLUDE_DIR (include/streamc),
# Streamc_LIBRARY (lib/libstreamrt.a) and the IMPORTED target
# Streamc::runtime (the static runtime with its shared libraries).
#
# `make install` puts this file in <prefix>/lib/cmake/Streamc/; the prefix
# is computed from where the file is, so the installed tree can be moved
# (like bin/streamc, which finds its runtime relative to itself).
#
# Each build writes a depfile (NAME.d, NAME.c.d) naming the .stream file,
# the runtime header and library it used (streamc -MD -MF), given to
# add_custom_command(DEPFILE): an edit to any of them rebuilds, nothing else
# does. DEPFILE works with the Makefile generators since CMake 3.20, so
# this package needs 3.20 (Makefile and Ninja generators are tested).

if(CMAKE_VERSION VERSION_LESS 3.20)
  set(Streamc_FOUND FALSE)
  set(Streamc_NOT_FOUND_MESSAGE "Streamc needs CMake 3.20 or newer (add_custom_command DEPFILE with Makefile generators), this is ${CMAKE_VERSION}")
  return()
endif()
# find_package gives this file its own policy scope; the functions below
# keep these settings: DEPFILE paths relative to the current binary dir.
cmake_policy(SET CMP0116 NEW)

get_filename_component(_Streamc_PREFIX "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

set(Streamc_EXECUTABLE "${_Streamc_PREFIX}/bin/streamc")
set(Streamc_INCLUDE_DIR "${_Streamc_PREFIX}/include/streamc")
set(Streamc_LIBRARY "${_Streamc_PREFIX}/lib/libstreamrt.a")

set(_Streamc_missing "")
foreach(_Streamc_file IN ITEMS "${Streamc_EXECUTABLE}" "${Streamc_INCLUDE_DIR}/streamrt.h" "${Streamc_LIBRARY}")
  if(NOT EXISTS "${_Streamc_file}")
    list(APPEND _Streamc_missing "${_Streamc_file}")
  endif()
endforeach()
if(_Streamc_missing)
  list(JOIN _Streamc_missing ", " _Streamc_missing)
  set(Streamc_FOUND FALSE)
  set(Streamc_NOT_FOUND_MESSAGE "the streamc install under ${_Streamc_PREFIX} is incomplete: missing ${_Streamc_missing}")
  unset(_Streamc_missing)
  unset(_Streamc_file)
  unset(_Streamc_PREFIX)
  return()
endif()
unset(_Streamc_missing)
unset(_Streamc_file)

# The runtime, for generated C compiled by the project itself. It is a
# static library, so it carries the shared libraries it calls.
if(NOT TARGET Streamc::runtime)
  add_library(Streamc::runtime STATIC IMPORTED)
  set_target_properties(Streamc::runtime PROPERTIES
    IMPORTED_LOCATION "${Streamc_LIBRARY}"
    IMPORTED_LINK_INTERFACE_LANGUAGES "C"
    INTERFACE_INCLUDE_DIRECTORIES "${Streamc_INCLUDE_DIR}"
    INTERFACE_LINK_LIBRARIES "rdkafka;hiredis;pthread;m")
  # a runtime built with sanitizers (make SANITIZE=...) needs their flags
  set(_Streamc_runtime_flags "@RUNTIME_FLAGS@")
  if(_Streamc_runtime_flags MATCHES "^-")
    separate_arguments(_Streamc_runtime_flags UNIX_COMMAND "${_Streamc_runtime_flags}")
    set_target_properties(Streamc::runtime PROPERTIES
      INTERFACE_COMPILE_OPTIONS "${_Streamc_runtime_flags}"
      INTERFACE_LINK_OPTIONS "${_Streamc_runtime_flags}")
  endif()
  unset(_Streamc_runtime_flags)
endif()

# The functions below may be called from a directory that does not see
# this directory's variables; they fall back to this compiler.
set_property(GLOBAL PROPERTY STREAMC_EXECUTABLE "${Streamc_EXECUTABLE}")

# The streamc command line shared by both functions: sets <prefix>_exe,
# <prefix>_src (absolute), <prefix>_flags.
macro(_streamc_args prefix fn name file)
  if("${name}" STREQUAL "" OR "${file}" STREQUAL "")
    message(FATAL_ERROR "${fn}(NAME FILE.stream [STREAMC_FLAGS flags...])")
  endif()
  cmake_parse_arguments(${prefix} "" "" "STREAMC_FLAGS" ${ARGN})
  if(${prefix}_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${fn}(${name}): unexpected arguments: ${${prefix}_UNPARSED_ARGUMENTS}")
  endif()
  if(Streamc_EXECUTABLE)
    set(${prefix}_exe "${Streamc_EXECUTABLE}")
  else()
    get_property(${prefix}_exe GLOBAL PROPERTY STREAMC_EXECUTABLE)
  endif()
  get_filename_component(${prefix}_src "${file}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  set(${prefix}_flags ${${prefix}_STREAMC_FLAGS})
endmacro()

# streamc_add_executable(NAME FILE.stream [STREAMC_FLAGS flags...])
# Builds the program ${CMAKE_CURRENT_BINARY_DIR}/NAME from FILE.stream
# (relative to CMAKE_CURRENT_SOURCE_DIR) and a target NAME, built by
# default, whose property STREAMC_OUTPUT names the program, e.g.
#   install(PROGRAMS ${CMAKE_CURRENT_BINARY_DIR}/NAME TYPE BIN)
#
# The custom command's declared OUTPUT is a stamp file, not the program:
# the target is also called NAME, and a target named like a file its own
# directory's rules produce is a cycle for both Make ("Circular wc <- wc
# dependency dropped", the program rebuilt on every build) and Ninja
# ("multiple rules generate wc"). The stamp is touched after streamc
# succeeds, so it is never older than the program. Deleting only the
# program does not rebuild it; `cmake --build . --target clean` does.
function(streamc_add_executable name file)
  _streamc_args(_sc streamc_add_executable "${name}" "${file}" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}")
  set(dep "${CMAKE_CURRENT_BINARY_DIR}/${name}.d")
  set(stamp "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/streamc/${name}.stamp")
  file(MAKE_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/streamc")
  add_custom_command(
    OUTPUT "${stamp}"
    COMMAND "${_sc_exe}" ${_sc_flags} -MD -MF "${dep}" -MT "${stamp}" -o "${out}" "${_sc_src}"
    COMMAND "${CMAKE_COMMAND}" -E touch "${stamp}"
    DEPENDS "${_sc_src}" "${_sc_exe}"
    DEPFILE "${dep}"
    COMMENT "streamc ${file} -> ${name}"
    VERBATIM)
  add_custom_target("${name}" ALL DEPENDS "${stamp}")
  set_target_properties("${name}" PROPERTIES
    STREAMC_OUTPUT "${out}"
    ADDITIONAL_CLEAN_FILES "${out};${dep}")
endfunction()

# streamc_generate_c(NAME FILE.stream [STREAMC_FLAGS flags...])
# Writes the generated C ${CMAKE_CURRENT_BINARY_DIR}/NAME.c (streamc -S)
# when a target in this directory uses it as a source; link that target
# with Streamc::runtime.
function(streamc_generate_c name file)
  _streamc_args(_sc streamc_generate_c "${name}" "${file}" ${ARGN})
  set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}.c")
  set(dep "${CMAKE_CURRENT_BINARY_DIR}/${name}.c.d")
  add_custom_command(
    OUTPUT "${out}"
    COMMAND "${_sc_exe}" ${_sc_flags} -S -MD -MF "${dep}" -o "${out}" "${_sc_src}"
    DEPENDS "${_sc_src}" "${_sc_exe}"
    DEPFILE "${dep}"
    COMMENT "streamc -S ${file} -> ${name}.c"
    VERBATIM)
endfunction()

unset(_Streamc_PREFIX)
