# Builds the dashboard (web/, a Vite app) into <build>/web, next to the twin binary, where
# `twin server` finds it. Runs `npm ci` when web/package-lock.json is newer than the installed
# node_modules, and `vite build` when a web source changed. The build itself needs no network
# once node_modules is installed.
option(TWIN_BUILD_DASHBOARD "Build the web dashboard with npm (web/)" ON)
if(NOT TWIN_BUILD_DASHBOARD)
  return()
endif()

find_program(TWIN_NPM npm)
if(NOT TWIN_NPM)
  message(FATAL_ERROR
    "npm was not found, and it is needed to build twin's dashboard (web/).\n"
    "Install it (Debian: scripts/install-deps.sh, or apt-get install nodejs npm), "
    "or configure with -DTWIN_BUILD_DASHBOARD=OFF to build twin without the dashboard.")
endif()

set(TWIN_WEB_SOURCE_DIR ${PROJECT_SOURCE_DIR}/web)
set(TWIN_WEB_OUTPUT_DIR ${PROJECT_BINARY_DIR}/web)
file(GLOB_RECURSE TWIN_WEB_SOURCES CONFIGURE_DEPENDS ${TWIN_WEB_SOURCE_DIR}/src/*)

add_custom_command(
  OUTPUT ${PROJECT_BINARY_DIR}/web-node-modules.stamp
  COMMAND ${CMAKE_COMMAND} -DNPM=${TWIN_NPM} -DWEB_DIR=${TWIN_WEB_SOURCE_DIR}
          -P ${CMAKE_CURRENT_LIST_DIR}/npm_ci_if_stale.cmake
  COMMAND ${CMAKE_COMMAND} -E touch ${PROJECT_BINARY_DIR}/web-node-modules.stamp
  DEPENDS ${TWIN_WEB_SOURCE_DIR}/package.json ${TWIN_WEB_SOURCE_DIR}/package-lock.json
  COMMENT "Installing the dashboard's npm packages (web/node_modules)"
  VERBATIM)

add_custom_command(
  OUTPUT ${TWIN_WEB_OUTPUT_DIR}/index.html
  COMMAND ${TWIN_NPM} run --silent build -- --outDir ${TWIN_WEB_OUTPUT_DIR} --emptyOutDir
          --logLevel warn
  WORKING_DIRECTORY ${TWIN_WEB_SOURCE_DIR}
  DEPENDS ${PROJECT_BINARY_DIR}/web-node-modules.stamp ${TWIN_WEB_SOURCES}
          ${TWIN_WEB_SOURCE_DIR}/index.html ${TWIN_WEB_SOURCE_DIR}/vite.config.js
  COMMENT "Building the dashboard (web/ -> ${TWIN_WEB_OUTPUT_DIR})"
  VERBATIM)

add_custom_target(twin_dashboard ALL DEPENDS ${TWIN_WEB_OUTPUT_DIR}/index.html)
include(GNUInstallDirs)
install(DIRECTORY ${TWIN_WEB_OUTPUT_DIR}/ DESTINATION ${CMAKE_INSTALL_DATADIR}/twin/web)
