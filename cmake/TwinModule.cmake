# Shared compile settings and helpers for twin's modules.

set(TWIN_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wconversion -Wsign-conversion
    -Wformat=2 -Werror
    # GCC 12 at -O3 reports impossible sizes inside libstdc++ (GCC bugs 105329, 105651).
    $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)

add_library(twin_build_flags INTERFACE)
target_compile_options(twin_build_flags INTERFACE ${TWIN_WARNINGS})
if(TWIN_SANITIZE)
  target_compile_options(twin_build_flags INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(twin_build_flags INTERFACE -fsanitize=address,undefined)
endif()
# The fuzz preset (clang): every module is instrumented for libFuzzer's coverage feedback and
# checked by ASan and UBSan; only fuzz/'s targets link libFuzzer's main (fuzz/CMakeLists.txt).
if(TWIN_FUZZ)
  target_compile_options(twin_build_flags INTERFACE
    -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer
    # clang reports libstdc++ 12's own use of get_temporary_buffer (deprecated in C++17).
    -Wno-deprecated-declarations)
  target_link_options(twin_build_flags INTERFACE -fsanitize=address,undefined)
endif()

# twin_add_module(NAME [SOURCES...] [PUBLIC_DEPS ...] [PRIVATE_DEPS ...])
# Defines the static library twin_<NAME> with alias twin::<NAME>; public headers live in
# include/twin/<NAME>/.
function(twin_add_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(twin_${name} STATIC ${ARG_SOURCES})
  add_library(twin::${name} ALIAS twin_${name})
  target_include_directories(twin_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(twin_${name} PUBLIC ${ARG_PUBLIC_DEPS} PRIVATE ${ARG_PRIVATE_DEPS} twin_build_flags)
endfunction()

# twin_add_test(NAME SOURCES... DEPS ...): a GoogleTest executable registered with CTest.
# Tests run from the source root so they can reach ../shared/data.
function(twin_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} twin_build_flags GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${name} PRIVATE
    TWIN_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    TWIN_BINARY="$<TARGET_FILE:twin>")
  add_dependencies(${name} twin)
  gtest_discover_tests(${name} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR} DISCOVERY_TIMEOUT 60
    PROPERTIES TIMEOUT 300)
endfunction()
