//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "models.hpp"

#include <boost/json/parse.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ms = model_server;
namespace json = boost::json;

namespace {

ms::toy_model diamond()
{
    return ms::toy_model{1, "2", ms::model_kind::linear, {3900.0, 60.0}, -250.0};
}

ms::toy_model churn()
{
    return ms::toy_model{2, "1", ms::model_kind::logistic, {0.8, -0.05, 1.2}, -0.5};
}

// The error message `predict` gives for `body`, or "" if it accepts it.
std::string refusal(ms::toy_model const& model, json::value const& body)
{
    auto const outputs = ms::predict(model, body);
    return outputs ? std::string() : outputs.error().message;
}

} // namespace

TEST_CASE("a linear model computes weights . x + bias per row")
{
    auto const outputs = ms::predict(diamond(), json::parse(R"({"inputs": [[1.0, 2.0], [0, 0], [2, -1]]})"));
    REQUIRE(outputs.has_value());
    // 3900 + 120 - 250; -250; 7800 - 60 - 250: exact in binary floating point.
    CHECK(*outputs == std::vector<double>{3770.0, -250.0, 7490.0});

    // Integers of any JSON kind are numbers too: int64, uint64.
    auto const big = ms::predict(diamond(), json::parse(R"({"inputs": [[18446744073709551615, -1]]})"));
    REQUIRE(big.has_value());
    CHECK((*big)[0] == 3900.0 * 18446744073709551615.0 - 60.0 - 250.0);
}

TEST_CASE("a logistic model computes the sigmoid, stably at both ends")
{
    auto const outputs = ms::predict(churn(),
        json::parse(R"({"inputs": [[0, 0, 0], [1, 10, 0.5], [1000, 0, 0], [-1000, 0, 0], [-700, 0, 0]]})"));
    REQUIRE(outputs.has_value());
    REQUIRE(outputs->size() == 5);
    // z = -0.5: 1 / (1 + e^0.5).
    CHECK((*outputs)[0] == doctest::Approx(0.3775406687981454).epsilon(1e-15));
    // z = 0.8 - 0.5 + 0.6 - 0.5 = 0.4.
    CHECK((*outputs)[1] == doctest::Approx(0.598687660112452).epsilon(1e-14));
    // z = 799.5 and -800.5: exactly 1 and 0, never NaN from exp overflowing.
    CHECK((*outputs)[2] == 1.0);
    CHECK((*outputs)[3] == 0.0);
    // z = -560.5: a tiny positive value, e^z / (1 + e^z).
    CHECK((*outputs)[4] > 0.0);
    CHECK((*outputs)[4] == doctest::Approx(std::exp(-560.5)).epsilon(1e-12));
}

TEST_CASE("a body of the wrong shape is refused with a precise message")
{
    struct shape_case
    {
        char const* id;
        char const* body;
        char const* message;
    };
    shape_case const cases[] = {
        {"I1", "[[1, 2]]", "the body must be a JSON object {\"inputs\": [[<number>, ...], ...]}"},
        {"I2", "null", "the body must be a JSON object {\"inputs\": [[<number>, ...], ...]}"},
        {"I3", "{}", "the body has no \"inputs\" member"},
        {"I4", R"({"rows": [[1, 2]]})", "the body has no \"inputs\" member"},
        {"I5", R"({"inputs": [[1, 2]], "extra": 1})", "the body may have no member but \"inputs\""},
        {"I6", R"({"inputs": 5})", "inputs must be an array of rows, each an array of numbers"},
        {"I7", R"({"inputs": {"0": [1, 2]}})", "inputs must be an array of rows, each an array of numbers"},
        {"I8", R"({"inputs": []})", "inputs must have at least one row"},
        {"I9", R"({"inputs": [[1, 2], 3]})", "inputs[1] must be an array of numbers"},
        {"I10", R"({"inputs": [[1, 2], [1, 2], [1, 2, 3]]})", "inputs[2] has 3 numbers, the model takes 2"},
        {"I11", R"({"inputs": [[1]]})", "inputs[0] has 1 number, the model takes 2"},
        {"I12", R"({"inputs": [[]]})", "inputs[0] has 0 numbers, the model takes 2"},
        {"I13", R"({"inputs": [[1, "2"]]})", "inputs[0][1] is not a number"},
        {"I14", R"({"inputs": [[1, 2], [null, 2]]})", "inputs[1][0] is not a number"},
        {"I15", R"({"inputs": [[true, 2]]})", "inputs[0][0] is not a number"},
        {"I16", R"({"inputs": [[[1], 2]]})", "inputs[0][0] is not a number"},
        {"I17", R"({"inputs": [[1, {"x": 1}]]})", "inputs[0][1] is not a number"},
        // Elements are checked before the count: a non-number is named as such.
        {"I18", R"({"inputs": [["a", 1, 2]]})", "inputs[0][0] is not a number"},
        // Boost.JSON reads 1e400 as infinity: refused, never computed with.
        {"I19", R"({"inputs": [[1e400, 1]]})", "inputs[0][0] is not a finite number"},
        {"I20", R"({"inputs": [[1, -1e400]]})", "inputs[0][1] is not a finite number"},
        // Finite inputs whose weighted sum overflows.
        {"I21", R"({"inputs": [[1, 2], [1e305, 1e305]]})", "inputs[1] gives a weighted sum too large for a double"},
    };
    for(auto const& c : cases)
    {
        std::string const id = c.id;
        CAPTURE(id);
        CHECK(refusal(diamond(), json::parse(c.body)) == std::string(c.message));
    }
}

TEST_CASE("a refusal never echoes text from the request")
{
    auto const message = refusal(diamond(), json::parse(R"({"inputs": [[1, "<script>secret</script>"]],
        "<script>key</script>": 1})"));
    CHECK(message == "the body may have no member but \"inputs\"");
    auto const element = refusal(diamond(), json::parse(R"({"inputs": [[1, "<script>secret</script>"]]})"));
    CHECK(element == "inputs[0][1] is not a number");
    CHECK(element.find("secret") == std::string::npos);
}

TEST_CASE("NaN and infinity cannot be written in JSON")
{
    json::error_code ec;
    auto const nan = json::parse(R"({"inputs": [[NaN, 1]]})", ec);
    CHECK(ec);
    CHECK(nan.is_null());
    ec = {};
    (void)json::parse(R"({"inputs": [[Infinity, 1]]})", ec);
    CHECK(ec);
    // And a value built in code is refused the same way as one parsed.
    json::array row;
    row.emplace_back(std::numeric_limits<double>::quiet_NaN());
    row.emplace_back(1);
    json::array rows;
    rows.emplace_back(std::move(row));
    json::object body;
    body["inputs"] = std::move(rows);
    CHECK(refusal(diamond(), body) == "inputs[0][0] is not a finite number");
}

TEST_CASE("at most 10000 rows are accepted")
{
    json::array rows;
    for(std::size_t i = 0; i < ms::max_inference_rows; ++i)
        rows.push_back(json::array{1.0, 2.0});
    json::value body{{"inputs", rows}};
    auto const outputs = ms::predict(diamond(), body);
    REQUIRE(outputs.has_value());
    CHECK(outputs->size() == 10000);
    CHECK(outputs->back() == 3770.0);

    body.as_object()["inputs"].as_array().push_back(json::array{1.0, 2.0});
    CHECK(refusal(diamond(), body) == "inputs has 10001 rows, the most is 10000");
}

TEST_CASE("value() on a refusal throws its message")
{
    auto const outputs = ms::predict(diamond(), json::parse(R"({"inputs": [[1]]})"));
    REQUIRE(! outputs.has_value());
    CHECK_THROWS_WITH_AS((void)outputs.value(), "inputs[0] has 1 number, the model takes 2", std::invalid_argument);
}

TEST_CASE("the inference answer")
{
    auto const model = diamond();
    auto const answer = ms::inference_response(model, {3770.0, -250.0});
    CHECK(answer == json::parse(R"({"model_id": 1, "version": "2", "outputs": [3770.0, -250.0]})").as_object());
    CHECK(answer.at("model_id").is_int64());

}

TEST_CASE("model kinds spell as in the config")
{
    CHECK(ms::to_string(ms::model_kind::linear) == "linear");
    CHECK(ms::to_string(ms::model_kind::logistic) == "logistic");
    CHECK(ms::parse_model_kind("linear") == ms::model_kind::linear);
    CHECK(ms::parse_model_kind("logistic") == ms::model_kind::logistic);
    CHECK(! ms::parse_model_kind("Linear"));
    CHECK(! ms::parse_model_kind(""));
}
