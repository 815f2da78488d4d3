//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODEL_SERVER_MODELS_HPP
#define MODEL_SERVER_MODELS_HPP

/** @file
    The reference server's toy models: a linear or logistic function of a
    row of numbers, enough to answer real inference calls (api.md section 1).

    Inference body: `{"inputs": [[<number>, ...], ...]}`, one row per
    prediction, each row as many numbers as the model has weights.
    Answer: `{"model_id", "version", "outputs": [<number>, ...]}`, one output
    per row.

    Nothing here throws on bad input: `predict` returns an `input_error`
    whose message names the offending place (`inputs[2] has 3 numbers, the
    model takes 2`) and never echoes text from the request.
*/

#include <boost/assert/source_location.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <boost/throw_exception.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace model_server {

/// What a toy model computes from `z = weights . x + bias`.
enum class model_kind
{
    /// `z` itself.
    linear,

    /// The logistic sigmoid `1 / (1 + exp(-z))`, in (0, 1).
    logistic
};

/// The configuration spelling of `kind`: `"linear"` or `"logistic"`.
[[nodiscard]] constexpr std::string_view to_string(model_kind kind) noexcept
{
    return kind == model_kind::logistic ? "logistic" : "linear";
}

/// The kind spelled `text` (`"linear"`, `"logistic"`, exactly), or nothing.
[[nodiscard]] constexpr std::optional<model_kind> parse_model_kind(std::string_view text) noexcept
{
    if(text == "linear")
        return model_kind::linear;
    if(text == "logistic")
        return model_kind::logistic;
    return std::nullopt;
}

/** One servable toy model: a model at one resolved version.

    Invariants (as `parse_config` checks them): `weights` is not empty and
    every weight and the bias are finite.
*/
struct toy_model
{
    /// The model's integer id (`x-prt-model-id`).
    std::int64_t model_id = 0;

    /// The version this model answers as (the URL's, or the default).
    std::string version;

    /// Linear or logistic.
    model_kind kind = model_kind::linear;

    /// One weight per feature; the rows of a request must have as many numbers.
    std::vector<double> weights;

    /// Added to the weighted sum.
    double bias = 0;
};

/// The most rows one inference request may carry.
inline constexpr std::size_t max_inference_rows = 10000;

/** Why an inference body was refused: a message for `error_description`.

    The message names a place in the body (`inputs[0][1]`) and a rule;
    it never contains text taken from the request.
*/
struct input_error
{
    /// E.g. `inputs[2] has 3 numbers, the model takes 2`.
    std::string message;
};

/// Lets `result<T>::value()` throw `std::invalid_argument(message)` on an error.
[[noreturn]] inline void throw_exception_from_error(input_error const& e, boost::source_location const& loc)
{
    boost::throw_with_location(std::invalid_argument(e.message), loc);
}

/// A value or the `input_error` saying why there is none.
template<class T>
using result = boost::system::result<T, input_error>;

/** Runs `model` on an inference body.

    `body` must be a JSON object whose only member is `inputs`: an array of
    1 to `max_inference_rows` rows, each an array of exactly
    `model.weights.size()` numbers (integers or finite doubles).

    @return One output per row, in order: `z` for a linear model, the
    sigmoid of `z` for a logistic one (computed without overflow for any
    `z`); or an `input_error` naming the first fault, checked in this order:
    the body's shape, then row by row each element, then the row's length,
    then whether the row's weighted sum is finite.

    Complexity: linear in the number of numbers.
    Exception safety: strong; throws only `std::bad_alloc`.
*/
[[nodiscard]] inline result<std::vector<double>> predict(toy_model const& model, boost::json::value const& body);

/** The 200 answer of an inference call:
    `{"model_id": <integer>, "version": "<version>", "outputs": [<number>, ...]}`.

    Exception safety: strong; throws only `std::bad_alloc`.
*/
[[nodiscard]] inline boost::json::object inference_response(toy_model const& model, std::vector<double> const& outputs);

//----------------------------------------------------------------------------

namespace detail {

// A finite double from a JSON number, or nothing for any other value.
inline std::optional<double> finite_number(boost::json::value const& v) noexcept
{
    double x = 0;
    if(v.is_int64())
        x = static_cast<double>(v.get_int64());
    else if(v.is_uint64())
        x = static_cast<double>(v.get_uint64());
    else if(v.is_double())
        x = v.get_double();
    else
        return std::nullopt;
    if(! std::isfinite(x))
        return std::nullopt;
    return x;
}

// 1 / (1 + exp(-z)) without overflow: exp is only ever taken of a value <= 0.
inline double sigmoid(double z) noexcept
{
    if(z >= 0)
        return 1.0 / (1.0 + std::exp(-z));
    double const e = std::exp(z);
    return e / (1.0 + e);
}

inline std::string row_place(std::size_t row)
{
    return "inputs[" + std::to_string(row) + "]";
}

inline input_error input_fault(std::string message)
{
    return input_error{std::move(message)};
}

} // namespace detail

inline result<std::vector<double>> predict(toy_model const& model, boost::json::value const& body)
{
    auto const* object = body.if_object();
    if(object == nullptr)
        return detail::input_fault(R"(the body must be a JSON object {"inputs": [[<number>, ...], ...]})");
    auto const* inputs = object->if_contains("inputs");
    if(inputs == nullptr)
        return detail::input_fault(R"(the body has no "inputs" member)");
    if(object->size() != 1)
        return detail::input_fault(R"(the body may have no member but "inputs")");
    auto const* rows = inputs->if_array();
    if(rows == nullptr)
        return detail::input_fault("inputs must be an array of rows, each an array of numbers");
    if(rows->empty())
        return detail::input_fault("inputs must have at least one row");
    if(rows->size() > max_inference_rows)
        return detail::input_fault("inputs has " + std::to_string(rows->size()) + " rows, the most is "
            + std::to_string(max_inference_rows));

    std::size_t const features = model.weights.size();
    std::vector<double> outputs;
    outputs.reserve(rows->size());
    for(std::size_t i = 0; i < rows->size(); ++i)
    {
        auto const* row = (*rows)[i].if_array();
        if(row == nullptr)
            return detail::input_fault(detail::row_place(i) + " must be an array of numbers");
        double z = 0;
        for(std::size_t j = 0; j < row->size(); ++j)
        {
            auto const x = detail::finite_number((*row)[j]);
            if(! x)
                return detail::input_fault(detail::row_place(i) + "[" + std::to_string(j) + "] is not "
                    + ((*row)[j].is_number() ? "a finite number" : "a number"));
            if(j < features)
                z += model.weights[j] * *x;
        }
        if(row->size() != features)
            return detail::input_fault(detail::row_place(i) + " has " + std::to_string(row->size())
                + (row->size() == 1 ? " number" : " numbers") + ", the model takes " + std::to_string(features));
        z += model.bias;
        if(! std::isfinite(z))
            return detail::input_fault(detail::row_place(i) + " gives a weighted sum too large for a double");
        outputs.push_back(model.kind == model_kind::logistic ? detail::sigmoid(z) : z);
    }
    return outputs;
}

inline boost::json::object inference_response(toy_model const& model, std::vector<double> const& outputs)
{
    boost::json::array values;
    values.reserve(outputs.size());
    for(double y : outputs)
        values.emplace_back(y);
    boost::json::object answer;
    answer["model_id"] = model.model_id;
    answer["version"] = model.version;
    answer["outputs"] = std::move(values);
    return answer;
}

} // namespace model_server

#endif
