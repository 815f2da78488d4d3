# Build settings for modelauth's own targets (tests, examples, benchmarks,
# fuzzers). None of this reaches a consumer of modelauth::modelauth.

if(NOT MODELAUTH_CXX_STANDARD MATCHES "^(17|20)$")
  message(FATAL_ERROR "MODELAUTH_CXX_STANDARD must be 17 or 20, got '${MODELAUTH_CXX_STANDARD}'")
endif()

# modelauth_configure_target(<target>)
#   Links the library, sets the standard, strict warnings and the sanitizers.
function(modelauth_configure_target target)
  target_link_libraries(${target} PRIVATE modelauth::modelauth)
  set_target_properties(${target} PROPERTIES
    CXX_STANDARD ${MODELAUTH_CXX_STANDARD}
    CXX_STANDARD_REQUIRED ON
    CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(MODELAUTH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  # Boost.Asio and Beast need no deprecated interfaces from us.
  target_compile_definitions(${target} PRIVATE BOOST_ASIO_NO_DEPRECATED)
  if(MODELAUTH_SANITIZE)
    target_compile_options(${target} PRIVATE
      -fsanitize=${MODELAUTH_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=${MODELAUTH_SANITIZE})
  endif()
endfunction()
