//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_DETAIL_PROMETHEUS_HPP
#define MODELAUTH_DETAIL_PROMETHEUS_HPP

// The Prometheus text format (version 0.0.4) pieces every metrics writer
// of the library appends: a family's HELP and TYPE lines, one sample, and
// a label value escaped.

#include <cstdint>
#include <string>
#include <string_view>

namespace modelauth {
inline namespace v0 {
namespace detail {

inline void append_family(std::string& out, std::string_view name, std::string_view type, std::string_view help)
{
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

// `labels` is the text between the braces (`a="x",b="y"`), or empty.
inline void append_sample(std::string& out, std::string_view name, std::string_view labels, std::uint64_t value)
{
    out.append(name);
    if(! labels.empty())
        out.append("{").append(labels).append("}");
    out.append(" ").append(std::to_string(value)).append("\n");
}

// A label value: backslash, quote and newline escaped.
inline void append_label_value(std::string& out, std::string_view value)
{
    for(char c : value)
    {
        if(c == '\\' || c == '"')
        {
            out += '\\';
            out += c;
        }
        else if(c == '\n')
            out += "\\n";
        else
            out += c;
    }
}

} // namespace detail
} // namespace v0
} // namespace modelauth

#endif
