# Runs at install time (install(SCRIPT) from cmake/MpmdInstall.cmake), so the
# prefix given to `cmake --install --prefix` decides the layout:
#   /usr        /etc/mpmd, /var/log/mpmd, /var/www/html, /run/mpmd, /lib/systemd/system
#   any other P P/etc/mpmd, P/var/log/mpmd, P/var/www/html, P/var/run/mpmd,
#               P/lib/systemd/system (self-contained: runs from where it is)
# Configuration files that already exist (outside a fresh DESTDIR) are kept; the
# new version is written next to them as FILE.dist.
set(prefix "${CMAKE_INSTALL_PREFIX}")
if(prefix STREQUAL "/usr")
  set(MPMD_CONF_DIR /etc/mpmd)
  set(MPMD_LOGROTATE_DIR /etc/logrotate.d)
  set(MPMD_LOG_DIR /var/log/mpmd)
  set(MPMD_WWW_DIR /var/www/html)
  set(MPMD_RUN_DIR /run/mpmd)
  set(MPMD_UNIT_DIR /lib/systemd/system)
else()
  set(MPMD_CONF_DIR ${prefix}/etc/mpmd)
  set(MPMD_LOGROTATE_DIR ${prefix}/etc/logrotate.d)
  set(MPMD_LOG_DIR ${prefix}/var/log/mpmd)
  set(MPMD_WWW_DIR ${prefix}/var/www/html)
  set(MPMD_RUN_DIR ${prefix}/var/run/mpmd)
  set(MPMD_UNIT_DIR ${prefix}/lib/systemd/system)
endif()
set(MPMD_SBIN ${prefix}/${MPMD_SBINDIR}/mpmd)
set(dest "$ENV{DESTDIR}")
set(dist ${MPMD_SOURCE_DIR}/dist)

# Writes template IN (with @MPMD_...@ replaced) to OUT under DESTDIR.
function(mpmd_install_template in out conffile)
  set(target "${dest}${out}")
  configure_file(${in} ${target}.tmp @ONLY)
  if(conffile AND EXISTS ${target})
    file(READ ${target} old)
    file(READ ${target}.tmp new)
    if(NOT old STREQUAL new)
      file(RENAME ${target}.tmp ${target}.dist)
      message(STATUS "Kept: ${target} (the new version is ${target}.dist)")
      return()
    endif()
  endif()
  file(RENAME ${target}.tmp ${target})
  message(STATUS "Installing: ${target}")
endfunction()

foreach(dir ${MPMD_CONF_DIR}/conf.d ${MPMD_CONF_DIR}/sites-available ${MPMD_CONF_DIR}/sites-enabled
            ${MPMD_LOGROTATE_DIR} ${MPMD_LOG_DIR} ${MPMD_WWW_DIR} ${MPMD_UNIT_DIR})
  file(MAKE_DIRECTORY "${dest}${dir}")
endforeach()
if(NOT prefix STREQUAL "/usr")
  file(MAKE_DIRECTORY "${dest}${MPMD_RUN_DIR}")  # /run is the unit's RuntimeDirectory
endif()

mpmd_install_template(${dist}/mpmd.conf.in ${MPMD_CONF_DIR}/mpmd.conf TRUE)
mpmd_install_template(${dist}/ports.conf.in ${MPMD_CONF_DIR}/ports.conf TRUE)
mpmd_install_template(${dist}/conf.d/status.conf.in ${MPMD_CONF_DIR}/conf.d/status.conf TRUE)
mpmd_install_template(${dist}/sites-available/000-default.conf.in
                      ${MPMD_CONF_DIR}/sites-available/000-default.conf TRUE)
mpmd_install_template(${MPMD_SOURCE_DIR}/conf/mime.types ${MPMD_CONF_DIR}/mime.types TRUE)
mpmd_install_template(${dist}/logrotate.in ${MPMD_LOGROTATE_DIR}/mpmd TRUE)
mpmd_install_template(${dist}/mpmd.service.in ${MPMD_UNIT_DIR}/mpmd.service FALSE)

# sites-enabled/ holds symlinks into sites-available/, as Debian's a2ensite makes them.
set(link "${dest}${MPMD_CONF_DIR}/sites-enabled/000-default.conf")
if(NOT EXISTS ${link} AND NOT IS_SYMLINK ${link})
  file(CREATE_LINK ../sites-available/000-default.conf ${link} SYMBOLIC)
  message(STATUS "Installing: ${link}")
endif()
# The welcome page, only into an empty document root (as Debian's apache2 does).
file(GLOB www_files "${dest}${MPMD_WWW_DIR}/*")
if(NOT www_files)
  configure_file(${dist}/index.html "${dest}${MPMD_WWW_DIR}/index.html" COPYONLY)
  message(STATUS "Installing: ${dest}${MPMD_WWW_DIR}/index.html")
endif()
