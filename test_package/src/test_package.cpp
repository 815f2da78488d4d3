// Consumes the installed modelauth package: includes the umbrella header and
// calls real code. Exits 0 only if the package behaves.

#include <modelauth/modelauth.hpp>
#include <modelauth/policy/error.hpp>
#include <modelauth/router/error.hpp>

#include <iostream>

int main()
{
    std::error_code ec = modelauth::router::error::missing_trailing_slash;
    bool const ok = modelauth::version().major == MODELAUTH_VERSION_MAJOR
        && modelauth::http_status(ec) == 308
        && ec == modelauth::condition::redirect
        && modelauth::rfc6750_error(modelauth::policy::error::missing_scope) == "insufficient_scope";
    std::cout << "modelauth " << modelauth::version().text << ": "
              << (ok ? "package works" : "package is broken") << "\n";
    return ok ? 0 : 1;
}
