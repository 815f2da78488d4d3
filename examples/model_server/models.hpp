// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)

#ifndef MODEL_SERVER_MODELS_HPP
#define MODEL_SERVER_MODELS_HPP

// The toy models: z = weights . x + bias, linear (z) or logistic (1 / (1 + e^-z)).
// Body {"inputs": [[<number>, ...], ...]} (1 to 10,000 rows of as many numbers as
// weights); answer {"model_id", "version", "outputs": [...]}. `predict` never
// throws on bad input: its `input_error` names the place and never echoes the request.

#include <boost/assert/source_location.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <boost/system/result.hpp>
#include <boost/throw_exception.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace model_server {

enum class model_kind { linear, logistic };

[[nodiscard]] constexpr std::string_view to_string(model_kind kind) noexcept
{
    return kind == model_kind::logistic ? "logistic" : "linear";
}

[[nodiscard]] constexpr std::optional<model_kind> parse_model_kind(std::string_view text) noexcept
{
    if(text == "linear" || text == "logistic")
        return text == "linear" ? model_kind::linear : model_kind::logistic;
    return std::nullopt;
}

/// A model at one resolved version; weights not empty, all finite.
struct toy_model
{
    std::int64_t model_id = 0;
    std::string version;
    model_kind kind = model_kind::linear;
    std::vector<double> weights;
    double bias = 0;
};

inline constexpr std::size_t max_inference_rows = 10000;

/// Why an inference body was refused, e.g. `inputs[2] has 3 numbers, the model takes 2`.
struct input_error
{
    std::string message;
};

[[noreturn]] inline void throw_exception_from_error(input_error const& e, boost::source_location const& loc)
{
    boost::throw_with_location(std::invalid_argument(e.message), loc);
}

template<class T>
using result = boost::system::result<T, input_error>;

/// One output per row, or the first fault: the body's shape, then each element, the row's length, a finite sum.
[[nodiscard]] inline result<std::vector<double>> predict(toy_model const& model, boost::json::value const& body)
{
    auto const fault = [](std::string m) { return input_error{std::move(m)}; };
    auto const* object = body.if_object();
    if(object == nullptr)
        return fault(R"(the body must be a JSON object {"inputs": [[<number>, ...], ...]})");
    auto const* inputs = object->if_contains("inputs");
    if(inputs == nullptr)
        return fault(R"(the body has no "inputs" member)");
    if(object->size() != 1)
        return fault(R"(the body may have no member but "inputs")");
    auto const* rows = inputs->if_array();
    if(rows == nullptr)
        return fault("inputs must be an array of rows, each an array of numbers");
    if(rows->empty())
        return fault("inputs must have at least one row");
    if(rows->size() > max_inference_rows)
        return fault("inputs has " + std::to_string(rows->size()) + " rows, the most is "
            + std::to_string(max_inference_rows));
    std::vector<double> outputs;
    for(std::size_t i = 0; i < rows->size(); ++i)
    {
        std::string const place = "inputs[" + std::to_string(i) + "]";
        auto const* row = (*rows)[i].if_array();
        if(row == nullptr)
            return fault(place + " must be an array of numbers");
        double z = 0;
        for(std::size_t j = 0; j < row->size(); ++j)
        {
            auto const& v = (*row)[j];
            double const x = v.is_int64() ? static_cast<double>(v.get_int64())
                : v.is_uint64()           ? static_cast<double>(v.get_uint64())
                : v.is_double()           ? v.get_double()
                                          : NAN;
            if(! std::isfinite(x))
                return fault(place + "[" + std::to_string(j) + "] is not " + (v.is_number() ? "a finite number" : "a number"));
            if(j < model.weights.size())
                z += model.weights[j] * x;
        }
        if(row->size() != model.weights.size())
            return fault(place + " has " + std::to_string(row->size()) + (row->size() == 1 ? " number" : " numbers")
                + ", the model takes " + std::to_string(model.weights.size()));
        z += model.bias;
        if(! std::isfinite(z))
            return fault(place + " gives a weighted sum too large for a double");
        // The sigmoid takes exp only of a value <= 0: no overflow.
        outputs.push_back(model.kind == model_kind::linear ? z
                : z >= 0                                   ? 1.0 / (1.0 + std::exp(-z))
                                                           : std::exp(z) / (1.0 + std::exp(z)));
    }
    return outputs;
}

/// `{"model_id": <integer>, "version": "<version>", "outputs": [<number>, ...]}`.
[[nodiscard]] inline boost::json::object inference_response(toy_model const& model, std::vector<double> const& outputs)
{
    return {{"model_id", model.model_id}, {"version", model.version},
        {"outputs", boost::json::array(outputs.begin(), outputs.end())}};
}

} // namespace model_server

#endif
