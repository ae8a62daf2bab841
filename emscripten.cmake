# CMake toolchain file: yieldloop (and programs using it) for WebAssembly, Emscripten.
#
#   cmake -S . -B build/wasm -DCMAKE_TOOLCHAIN_FILE=emscripten.cmake
#   cmake --build build/wasm
#
# It wraps Emscripten's own toolchain file, running emcc with the NODE_PATH that
# Debian's emscripten needs (its JS compiler imports Node modules from
# /usr/share/nodejs), and defines yl_wasm_finalize(target), which every executable
# linking yieldloop must go through (CMakeLists.txt's yl_executable does; call it on
# your own targets too). It makes the target an ES6 module (.js + .wasm; Node can
# import it directly, see wasm/run.mjs) and post-processes the linked .wasm:
#
#   1. link at -O1, with function names: emcc then runs no wasm-opt of its own, whose
#      inlining before Asyncify could merge a yield into a caller that then never
#      gets instrumented (an endless loop at run time);
#   2. wasm-opt --asyncify: instruments every function that may be on a coroutine's
#      stack when it yields, and turns the asyncify.* imports of src/ctx/asyncify.c
#      into internal calls. Calls through pointers are assumed to yield (a generator
#      body and a loop callback are such calls), except in the libc functions listed
#      below, which never run between a resume and its yield; imports never yield,
#      except Emscripten's invoke_* (setjmp), so a yield under a setjmp works;
#   3. wasm-opt -O3, then strip names and other custom sections.
#
# Cache options: YL_WASM_KEEP_NAMES (keep the function names, for profiling).
# This file is also the post-link script itself: cmake -P emscripten.cmake with
# -DYL_FINALIZE=<module.js>, as yl_wasm_finalize's POST_BUILD step runs it.

# Libc functions that call through a pointer (stdio's FILE hooks, printf's float
# formatter, qsort's comparator, exit handlers) but are never on a coroutine's stack
# between a resume and its yield: not instrumented, and neither are their callers on
# their account. A yield from a callback they make (a yielding qsort comparator, say)
# is not supported. Exact names, or a prefix ending in *. Only names a program cannot
# mistake for its own: a static function of yours named like a libc internal (out,
# pad, close_file...) would take the plain name and libc's would become "out.1".
set(YL_ASYNCIFY_REMOVE
  # printf and scanf families, and musl's internals with calls through pointers
  printf fprintf sprintf snprintf dprintf asprintf vprintf vfprintf vsprintf vsnprintf
  vdprintf vasprintf iprintf fiprintf siprintf vfiprintf vsiprintf vsniprintf __small_*
  __vfprintf_internal printf_core pop_arg
  scanf fscanf sscanf vscanf vfscanf vsscanf __isoc99_*
  # the rest of stdio
  puts fputs putchar fputc putc fwrite fread fgets fgetc getc getchar ungetc fflush
  fclose fopen fdopen freopen fseek fseeko ftell ftello rewind setvbuf perror
  __fwritex __overflow __uflow __toread __towrite __stdio_*
  # number parsing (reads through the FILE hooks)
  strtod strtof strtold strtol strtoul strtoll strtoull strtoimax strtoumax atof
  __floatscan __intscan __shgetc __shlim
  # callbacks: comparators, exit handlers
  qsort bsearch __funcs_on_exit __cxa_finalize
  # Emscripten's helpers for calls from JS
  dynCall_* legalstub$dynCall_*
  # yieldloop's coroutine entry trampolines: they end an unwind themselves (see
  # yl__gen_entry in src/gen.c), so a switch costs only the frames of the body
  yl__gen_entry yl__coro_entry yl__coro_run_fn)

# ---------------------------------------------------------------------------------
# Script mode: the post-link step for one module.
if(CMAKE_SCRIPT_MODE_FILE)
  cmake_policy(VERSION 3.20)
  if(NOT YL_FINALIZE OR NOT YL_WASM_OPT)
    message(FATAL_ERROR "usage: cmake -DYL_FINALIZE=<module.js> -DYL_WASM_OPT=<wasm-opt> "
                        "[-DYL_DIST=<dir>] [-DYL_KEEP_NAMES=ON] -P emscripten.cmake")
  endif()
  string(REGEX REPLACE "\\.m?js$" ".wasm" wasm "${YL_FINALIZE}")

  # On failure the module is left unprocessed: remove its .js so the next build
  # links it again instead of keeping a module whose switches abort.
  function(yl_fail)
    file(REMOVE "${YL_FINALIZE}")
    message(FATAL_ERROR "yl_wasm_finalize: ${ARGN}")
  endfunction()

  if(NOT EXISTS "${wasm}")
    yl_fail("${wasm} not found (is ${YL_FINALIZE} an Emscripten ES6 module with a .wasm?)")
  endif()
  execute_process(COMMAND "${YL_WASM_OPT}" "${wasm}" --print-function-map
                  OUTPUT_VARIABLE all_funcs ERROR_QUIET RESULT_VARIABLE rc)
  execute_process(COMMAND "${YL_WASM_OPT}" "${wasm}" --remove-imports --print-function-map
                  OUTPUT_VARIABLE defined_funcs ERROR_QUIET RESULT_VARIABLE rc2)
  if(NOT rc EQUAL 0 OR NOT rc2 EQUAL 0)
    yl_fail("wasm-opt cannot read ${wasm}")
  endif()

  set(passes)
  # A module that never yields (no asyncify import) needs no instrumentation. This
  # also makes running the step again on a processed module harmless.
  string(FIND "${all_funcs}" ":yl__asyncify_start_unwind\n" uses_yield)
  if(NOT uses_yield EQUAL -1)
    # Only names the module defines (Binaryen warns about others, and stops at
    # imports), and defines once: with two, one is "name.1" and may be yours.
    set(remove)
    foreach(name IN LISTS YL_ASYNCIFY_REMOVE)
      set(twice -1)
      if(name MATCHES "^(.*)\\*$")
        string(FIND "${defined_funcs}" ":${CMAKE_MATCH_1}" at)
      else()
        string(FIND "${defined_funcs}" ":${name}\n" at)
        string(FIND "${defined_funcs}" ":${name}." twice)
      endif()
      if(NOT at EQUAL -1 AND twice EQUAL -1)
        list(APPEND remove "${name}")
      endif()
    endforeach()
    # Binaryen 108 splits a list file on commas only.
    string(REPLACE ";" "," remove "${remove}")
    file(WRITE "${wasm}.asyncify-remove" "${remove}")
    list(APPEND passes --asyncify "--pass-arg=asyncify-imports@env.invoke_*")
    if(remove)
      list(APPEND passes "--pass-arg=asyncify-removelist@@${wasm}.asyncify-remove")
    endif()
  endif()
  list(APPEND passes -O3 --strip-producers --strip-target-features)
  if(YL_KEEP_NAMES)
    list(APPEND passes -g) # wasm-opt drops the names section unless told to keep it
  else()
    list(APPEND passes --strip-debug)
  endif()

  execute_process(COMMAND "${YL_WASM_OPT}" "${wasm}" ${passes} -o "${wasm}.tmp"
                  RESULT_VARIABLE rc)
  file(REMOVE "${wasm}.asyncify-remove")
  if(NOT rc EQUAL 0)
    file(REMOVE "${wasm}.tmp")
    yl_fail("wasm-opt ${passes} failed on ${wasm}")
  endif()
  file(RENAME "${wasm}.tmp" "${wasm}")

  # Node takes a .js file for an ES6 module only inside a "type": "module" package.
  get_filename_component(dir "${YL_FINALIZE}" DIRECTORY)
  if(NOT EXISTS "${dir}/package.json")
    file(WRITE "${dir}/package.json" "{ \"type\": \"module\" }\n")
  endif()
  if(YL_DIST)
    file(COPY "${YL_FINALIZE}" "${wasm}" DESTINATION "${YL_DIST}")
    if(NOT EXISTS "${YL_DIST}/package.json")
      file(WRITE "${YL_DIST}/package.json" "{ \"type\": \"module\" }\n")
    endif()
  endif()
  return()
endif()

# ---------------------------------------------------------------------------------
# Toolchain mode.
set(YL_SOURCE_ROOT "${CMAKE_CURRENT_LIST_DIR}")

find_program(YL_EMCC emcc HINTS "$ENV{EMSDK}/upstream/emscripten" "$ENV{EMSCRIPTEN}")
if(NOT YL_EMCC)
  message(FATAL_ERROR "emcc not found: install Emscripten (Debian: apt install emscripten)")
endif()
# Debian's /usr/bin/emcc links to /usr/share/emscripten/wrapper; emsdk's is in place.
get_filename_component(_yl_emcc_real "${YL_EMCC}" REALPATH)
get_filename_component(_yl_em_root "${_yl_emcc_real}" DIRECTORY)
if(NOT EMSCRIPTEN_ROOT_PATH)
  set(EMSCRIPTEN_ROOT_PATH "${_yl_em_root}")
endif()
set(_yl_platform "${EMSCRIPTEN_ROOT_PATH}/cmake/Modules/Platform/Emscripten.cmake")
if(NOT EXISTS "${_yl_platform}")
  message(FATAL_ERROR "Emscripten's toolchain file not found at ${_yl_platform}: "
                      "set -DEMSCRIPTEN_ROOT_PATH=<the directory holding emcc.py>")
endif()

find_program(YL_WASM_OPT wasm-opt HINTS "${EMSCRIPTEN_ROOT_PATH}/../bin")
if(NOT YL_WASM_OPT)
  message(FATAL_ERROR "wasm-opt not found: install Binaryen (Debian: apt install binaryen)")
endif()

# emcc through a wrapper that sets NODE_PATH, so neither users nor make need to.
set(YL_EMSCRIPTEN_NODE_PATH "/usr/share/nodejs" CACHE PATH
    "Node modules emcc needs (Debian's emscripten); empty to run emcc as it is")
if(YL_EMSCRIPTEN_NODE_PATH AND IS_DIRECTORY "${YL_EMSCRIPTEN_NODE_PATH}" AND NOT CMAKE_HOST_WIN32)
  set(_yl_wrap_dir "${CMAKE_BINARY_DIR}/yl-emscripten")
  get_filename_component(_yl_tool_path "${YL_EMCC}" DIRECTORY)
  foreach(_yl_tool emcc em++)
    file(CONFIGURE OUTPUT "${_yl_wrap_dir}/${_yl_tool}" @ONLY CONTENT
"#!/bin/sh
# Generated by emscripten.cmake: emcc with the Node modules its JS compiler imports.
NODE_PATH=\"@YL_EMSCRIPTEN_NODE_PATH@\${NODE_PATH:+:\$NODE_PATH}\" exec \"@_yl_tool_path@/@_yl_tool@\" \"$@\"
")
    file(CHMOD "${_yl_wrap_dir}/${_yl_tool}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE
         GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
  set(CMAKE_C_COMPILER "${_yl_wrap_dir}/emcc")
  set(CMAKE_CXX_COMPILER "${_yl_wrap_dir}/em++")
endif()

include("${_yl_platform}")

option(YL_WASM_KEEP_NAMES "Keep function names in the final .wasm (profiling)" OFF)

# Makes `target` an ES6 module and applies the Asyncify pass after link (see the top
# of this file). Targets defined by yieldloop's own CMakeLists.txt are also copied to
# wasm/dist/ for consumers.
function(yl_wasm_finalize target)
  set(glue "${YL_SOURCE_ROOT}/wasm")
  target_link_options(${target} PRIVATE
    # After the build type's -O2/-g on the command line, so these win.
    -O1 -g0 --profiling-funcs
    "SHELL:--js-library \"${glue}/yl_asyncify.js\""
    "SHELL:--js-library \"${glue}/yl_host.js\""
    "SHELL:--js-library \"${glue}/yl_process.js\""
    "SHELL:--extern-pre-js \"${glue}/node-shim-extern.js\""
    "SHELL:--pre-js \"${glue}/node-shim-pre.js\""
    -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXIT_RUNTIME=1 -sALLOW_MEMORY_GROWTH=1
    # A module must not install process-wide handlers in the Node that imports it.
    -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS
    "${glue}/yl_asyncify.js" "${glue}/yl_host.js" "${glue}/yl_process.js" "${glue}/node-shim-extern.js" "${glue}/node-shim-pre.js"
    "${YL_SOURCE_ROOT}/emscripten.cmake")
  set(dist "")
  if(CMAKE_CURRENT_SOURCE_DIR STREQUAL YL_SOURCE_ROOT)
    set(dist "-DYL_DIST=${YL_SOURCE_ROOT}/wasm/dist")
  endif()
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${CMAKE_COMMAND}" "-DYL_FINALIZE=$<TARGET_FILE:${target}>"
            "-DYL_WASM_OPT=${YL_WASM_OPT}" "-DYL_KEEP_NAMES=${YL_WASM_KEEP_NAMES}" ${dist}
            -P "${YL_SOURCE_ROOT}/emscripten.cmake"
    COMMENT "Asyncify pass and -O3 on ${target}"
    VERBATIM)
endfunction()
