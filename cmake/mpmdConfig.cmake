# find_package(mpmd) for applications of the installed mpmd (include/mpmd/app.hpp):
#
#   find_package(mpmd REQUIRED)
#   mpmd_add_application(hello hello.cpp)        # builds hello.so
#
# mpmd::app              INTERFACE target: the API headers, C++20
# mpmd_add_application(TARGET SOURCES...)
#                        a MODULE library TARGET.so (no "lib" prefix), hidden
#                        visibility, linked with -z defs: it may need no symbol
#                        of the server, only libc and libstdc++ (as mpmd checks)
# mpmd_add_application_test(TARGET SOURCES...)
#                        an executable TARGET of the application's sources and
#                        its tests (<mpmd/testing.hpp>: no server needed); link
#                        your test framework to it. Its symbols are exported, so
#                        a test may stand in for the server's session store and
#                        offload service (mpmd_session_store, mpmd_offload_service)
# MPMD_EXECUTABLE        the installed server (sbin/mpmd), for tests
get_filename_component(_mpmd_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

if(NOT TARGET mpmd::app)
  add_library(mpmd::app INTERFACE IMPORTED)
  set_target_properties(mpmd::app PROPERTIES
                        INTERFACE_INCLUDE_DIRECTORIES "${_mpmd_prefix}/include"
                        INTERFACE_COMPILE_FEATURES cxx_std_20)
endif()
set(MPMD_INCLUDE_DIR "${_mpmd_prefix}/include")
set(MPMD_EXECUTABLE "${_mpmd_prefix}/sbin/mpmd")

function(mpmd_add_application target)
  add_library(${target} MODULE ${ARGN})
  target_link_libraries(${target} PRIVATE mpmd::app)
  set_target_properties(${target} PROPERTIES PREFIX "" CXX_EXTENSIONS OFF
                        CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,-z,defs)
endfunction()

function(mpmd_add_application_test target)
  add_executable(${target} ${ARGN})
  target_link_libraries(${target} PRIVATE mpmd::app)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF ENABLE_EXPORTS ON)
endfunction()
unset(_mpmd_prefix)
