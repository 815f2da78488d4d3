//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODEL_SERVER_DEFAULT_CONFIG_HPP
#define MODEL_SERVER_DEFAULT_CONFIG_HPP

/** @file
    The embedded demo configuration, used when the server starts without
    `--config` (api.md, "Operations"): the example of api.md's "Config file"
    with a second toy model.

    - listens on `127.0.0.1:8080`, memory only, default limits and lifetimes;
    - account `demo` with space `default`, instance `demo/eu01/demo`;
    - one user, `demo@example.com`, with every scope and that instance. Its
      `password` is the literal `demo_password_placeholder` (`$demo$`), not a
      hash: `main` replaces it before use with `pbkdf2_sha256$...` of
      `MODELAUTH_DEMO_PASSWORD`, or of a generated password that it prints
      once. Parse this text with
      `parse_config_options::allow_demo_password_placeholder` set (as
      `default_config()` does); any other config with the placeholder is
      refused;
    - two toy models under `models/practicus`: `diamond-price` (model_id 1,
      linear, versions 1 and 2, default 2) and `churn` (model_id 2,
      logistic, version 1).
*/

#include "config.hpp"

#include <string>

namespace model_server {

/** The demo configuration's JSON text.

    Exception safety: strong; throws only `std::bad_alloc`.
*/
[[nodiscard]] inline std::string default_config_text()
{
    return R"({
  "listen": "127.0.0.1:8080",
  "threads": 0,
  "state_dir": null,
  "strict_slash": false,
  "limits": {"body_bytes": 1048576, "target_bytes": 2048, "read_timeout_s": 30},
  "lifetimes": {"access": "30m", "refresh": "90d", "model_session": "4h", "temporary": "24h"},
  "accounts": [{"id": "demo", "spaces": ["default"]}],
  "instances": [{"project": "demo", "region": "eu01", "id": "demo"}],
  "users": [{"email": "demo@example.com", "password": "$demo$",
             "account": "demo", "scopes": ["models:read", "models:infer", "tokens:manage"],
             "instances": ["demo/eu01/demo"]}],
  "models": [{"model_id": 1, "prefix": "models/practicus", "name": "diamond-price",
              "versions": ["1", "2"], "default_version": "2", "kind": "linear",
              "weights": [3900.0, 60.0], "bias": -250.0,
              "account": "demo", "space": "default", "instance": "demo/eu01/demo"},
             {"model_id": 2, "prefix": "models/practicus", "name": "churn",
              "versions": ["1"], "default_version": "1", "kind": "logistic",
              "weights": [0.8, -0.05, 1.2], "bias": -0.5,
              "account": "demo", "space": "default", "instance": "demo/eu01/demo"}],
  "trusted_issuers": []
}
)";
}

/** The demo configuration, parsed: `parse_config(default_config_text())`
    with the demo password placeholder allowed.

    @throws modelauth::configuration_error never in practice (the text is
    fixed and tested); `std::bad_alloc`.
*/
[[nodiscard]] inline server_config default_config()
{
    parse_config_options options;
    options.allow_demo_password_placeholder = true;
    return parse_config(default_config_text(), options);
}

} // namespace model_server

#endif
