cmake_minimum_required(VERSION 3.20)
# Fails the build when the core library imports anything but libc mem*, the compiler runtime,
# sanitizer/coverage hooks (only present in instrumented builds) and BearSSL's br_* symbols.
# Invoked as: cmake -DLIB=path/libmip6tls_core.a -DNM=nm -P purity.cmake
execute_process(COMMAND ${NM} -u ${LIB} OUTPUT_VARIABLE _out RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "nm -u ${LIB} failed (${_rc})")
endif()
# An archive's members import each other's symbols: those defined inside the library are fine.
execute_process(COMMAND ${NM} -g --defined-only ${LIB} OUTPUT_VARIABLE _defs)
string(REGEX MATCHALL "[ \t][A-Za-z_][A-Za-z0-9_.]*\n" _deflist "${_defs}")
set(_defined "")
foreach(_d ${_deflist})
  string(STRIP "${_d}" _d)
  list(APPEND _defined "${_d}")
endforeach()
string(REPLACE "\n" ";" _lines "${_out}")
set(_bad "")
foreach(_l ${_lines})
  string(STRIP "${_l}" _l)
  if(_l STREQUAL "" OR _l MATCHES ":$")
    continue()
  endif()
  string(REGEX REPLACE "^[UwvV][ \t]+" "" _sym "${_l}")
  if(_sym IN_LIST _defined)
    continue()
  endif()
  # clang lowers memcmp(...) == 0 to bcmp; _FORTIFY_SOURCE builds call the __*_chk forms.
  if(_sym MATCHES "^(memcpy|memmove|memset|memcmp|bcmp|__mem(cpy|move|set)_chk)$"
     OR _sym MATCHES "^br_"
     OR _sym MATCHES "^(__stack_chk_fail|__stack_chk_guard|_GLOBAL_OFFSET_TABLE_)$"
     OR _sym MATCHES "^__(u?(div|mod|mul)[dt]i3|popcount[dst]i2|clz[dst]i2|ctz[dst]i2)$"
     OR _sym MATCHES "^__(asan|ubsan|sanitizer|msan|tsan|lsan|gcov|llvm_profile|llvm_gcov|sancov)"
     OR _sym MATCHES "^__(start|stop)___sancov"
     OR _sym MATCHES "^__(cyg_profile)")
    continue()
  endif()
  list(APPEND _bad "${_sym}")
endforeach()
list(REMOVE_DUPLICATES _bad)
if(_bad)
  message(FATAL_ERROR "core purity violated: libmip6tls_core imports ${_bad}. The core may "
          "use only libc mem*, the compiler runtime and BearSSL (docs/architecture.md).")
endif()
