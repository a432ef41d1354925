# cmake -DNPM=... -DWEB_DIR=... -P npm_ci_if_stale.cmake
# Runs `npm ci` in WEB_DIR unless node_modules is already installed from the current
# package-lock.json (npm writes node_modules/.package-lock.json when it installs). Several build
# folders share web/node_modules, so a fresh install is done once, not once per build folder.
set(installed ${WEB_DIR}/node_modules/.package-lock.json)
if(EXISTS ${installed} AND NOT ${WEB_DIR}/package-lock.json IS_NEWER_THAN ${installed})
  return()
endif()
execute_process(
  COMMAND ${NPM} ci --no-audit --no-fund --loglevel=error
  WORKING_DIRECTORY ${WEB_DIR}
  RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "npm ci failed in ${WEB_DIR} (exit ${result}); the dashboard needs its npm packages")
endif()
