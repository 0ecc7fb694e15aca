# Install rules (make install, cmake --install [--prefix P], DESTDIR=...).
#
#   sbin/mpmd, bin/mpmd-logscan, bin/mpmd-worker
#   include/mpmd/*.hpp                      the application API and its test client
#                                           (testing.hpp), header-only
#   share/pkgconfig/mpmd.pc                 pkg-config --cflags mpmd
#   share/cmake/mpmd/mpmdConfig.cmake       find_package(mpmd): mpmd_add_application()
#   share/man/man{1,5,8}/                   mpmd(8), mpmd.conf(5), mpmd-logscan(1), mpmd-worker(1)
#   share/mpmd/                             index.html (copied to the document root if empty)
#
# and, from the templates in dist/ (cmake/install_layout.cmake, at install time,
# so that `cmake --install --prefix` decides the paths): the configuration in a
# Debian-style layout, the systemd unit, the logrotate file and the log and
# document directories. A /usr install uses /etc/mpmd, /var/log/mpmd,
# /var/www/html, /run/mpmd and /lib/systemd/system; any other prefix P keeps
# everything below P (P/etc/mpmd, P/var/log/mpmd, ...), so it runs as it is.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS mpmd RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
install(TARGETS mpmd-logscan mpmd-worker RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/mpmd DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.hpp")

# Relocatable: both find the headers relative to their own location.
install(FILES ${CMAKE_SOURCE_DIR}/dist/mpmd.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/mpmdConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion
                                 ARCH_INDEPENDENT)
install(FILES ${CMAKE_SOURCE_DIR}/cmake/mpmdConfig.cmake ${CMAKE_BINARY_DIR}/mpmdConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_DATADIR}/cmake/mpmd)

# Man pages. mpmd.conf(5) lists every directive: it is generated from `mpmd -L`
# (the directive table itself), so it cannot drift from the server.
find_package(Python3 COMPONENTS Interpreter REQUIRED)
set(MPMD_MAN_DIR ${CMAKE_BINARY_DIR}/man)
add_custom_command(
  OUTPUT ${MPMD_MAN_DIR}/mpmd.conf.5
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/man/gen_conf_man.py --mpmd $<TARGET_FILE:mpmd>
          --template ${CMAKE_SOURCE_DIR}/man/mpmd.conf.5.in --version ${PROJECT_VERSION}
          --output ${MPMD_MAN_DIR}/mpmd.conf.5
  DEPENDS mpmd ${CMAKE_SOURCE_DIR}/man/gen_conf_man.py ${CMAKE_SOURCE_DIR}/man/mpmd.conf.5.in
  COMMENT "Generating mpmd.conf(5) from the directive table")
add_custom_target(man ALL DEPENDS ${MPMD_MAN_DIR}/mpmd.conf.5)
install(FILES ${CMAKE_SOURCE_DIR}/man/mpmd.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${MPMD_MAN_DIR}/mpmd.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${CMAKE_SOURCE_DIR}/man/mpmd-logscan.1 ${CMAKE_SOURCE_DIR}/man/mpmd-worker.1
        DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/dist/index.html DESTINATION ${CMAKE_INSTALL_DATADIR}/mpmd)

install(CODE "set(MPMD_SOURCE_DIR \"${CMAKE_SOURCE_DIR}\")
set(MPMD_VERSION \"${PROJECT_VERSION}\")
set(MPMD_SBINDIR \"${CMAKE_INSTALL_SBINDIR}\")
set(MPMD_DATADIR \"${CMAKE_INSTALL_DATADIR}\")")
install(SCRIPT ${CMAKE_SOURCE_DIR}/cmake/install_layout.cmake)
