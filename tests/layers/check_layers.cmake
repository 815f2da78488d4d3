# The two layers (design.md): the request path, <modelauth/modelauth.hpp>,
# holds nothing of the token lifecycle and no file or network I/O header of
# its own. Run by ctest as layers:core:
#   cmake -DCXX=<compiler> -DINCLUDE_DIR=<include/> -DSYSTEM_INCLUDES=<a|b|...>
#         -P check_layers.cmake
# Fails, naming the header and the line, if
# - a header outside the lifecycle (tokens/, tokens.hpp, http/token_routes,
#   config/user_directory, config/token_stack, config/redis_token_stack,
#   config/model_platform) includes
#   one of it;
# - the umbrella's whole include closure, as the compiler resolves it, reaches
#   the lifecycle or an I/O header (<fstream>, <filesystem>, <fcntl.h>,
#   sockets, Asio's networking): Beast's own system headers aside.

foreach(var CXX INCLUDE_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "check_layers.cmake: -D${var}=... is required")
  endif()
endforeach()

# The lifecycle's headers, as paths under include/: the one list all three
# checks below read.
set(lifecycle "modelauth/(tokens/|tokens\\.hpp$|http/(impl/)?token_routes\\.hpp$|config/(impl/)?(user_directory|token_stack|redis_token_stack|model_platform)\\.hpp$)")
set(failures "")

file(GLOB_RECURSE headers RELATIVE "${INCLUDE_DIR}" "${INCLUDE_DIR}/modelauth/*.hpp")
foreach(header IN LISTS headers)
  if(header MATCHES "^${lifecycle}")
    continue()
  endif()
  file(STRINGS "${INCLUDE_DIR}/${header}" hits REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]modelauth/")
  foreach(hit IN LISTS hits)
    string(REGEX MATCH "[<\"](modelauth/[^>\"]*)" included "${hit}")
    if(CMAKE_MATCH_1 MATCHES "^${lifecycle}")
      string(STRIP "${hit}" hit)
      list(APPEND failures "${header} (core) includes the lifecycle: ${hit}")
    endif()
  endforeach()
endforeach()

set(flags -std=c++17 "-I${INCLUDE_DIR}")
if(SYSTEM_INCLUDES)
  string(REPLACE "|" ";" system_includes "${SYSTEM_INCLUDES}")
  foreach(dir IN LISTS system_includes)
    # The compiler's own system directories stay where it puts them: named
    # again with -isystem they break libstdc++'s #include_next.
    if(dir AND NOT dir MATCHES "^/usr(/local)?/include/?$")
      list(APPEND flags "-isystem" "${dir}")
    endif()
  endforeach()
endif()
# -H lists the headers actually included (-M would also list those that a
# __has_include only probed, as clang does).
execute_process(
  COMMAND "${CXX}" ${flags} -fsyntax-only -H -x c++ "${INCLUDE_DIR}/modelauth/modelauth.hpp"
  OUTPUT_VARIABLE output ERROR_VARIABLE deps RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "layers: ${CXX} -H modelauth/modelauth.hpp failed:\n${deps}")
endif()
# A scan that saw nothing would pass anything: the closure must hold the
# request path's own headers.
foreach(expected "modelauth/http/guard.hpp" "modelauth/validation/token_validator.hpp" "modelauth/validation/token_store.hpp")
  string(FIND "${deps}" "${expected}" at)
  if(at EQUAL -1)
    list(APPEND failures "modelauth.hpp's closure lacks ${expected}: the scan is broken")
  endif()
endforeach()
string(REGEX REPLACE "[ \t\r\n]+" ";" deps "${deps}")
foreach(dep IN LISTS deps)
  if(dep MATCHES "/${lifecycle}" OR dep MATCHES "/modelauth/(config/(impl/)?jwks_files|detail/durable_file)\\.hpp$")
    list(APPEND failures "modelauth.hpp reaches the lifecycle or its file I/O: ${dep}")
  elseif(dep MATCHES "/(fstream|filesystem|fcntl\\.h|sys/socket\\.h|netinet/[^/]+|boost/asio/(ip|ssl|local)/[^/]+|boost/asio/basic_socket[^/]*)$")
    list(APPEND failures "modelauth.hpp reaches an I/O header: ${dep}")
  endif()
endforeach()

if(failures)
  list(JOIN failures "\n  " text)
  message(FATAL_ERROR "layers: the request path is not alone:\n  ${text}")
endif()
list(LENGTH headers count)
message(STATUS "layers: ${count} headers checked; modelauth.hpp holds the request path only")
