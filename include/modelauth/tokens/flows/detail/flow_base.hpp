//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_TOKENS_FLOWS_DETAIL_FLOW_BASE_HPP
#define MODELAUTH_TOKENS_FLOWS_DETAIL_FLOW_BASE_HPP

// What every flow holds: the shared context, checked once at construction.

#include <modelauth/configuration_error.hpp>
#include <modelauth/tokens/flows/flow_context.hpp>

#include <memory>
#include <string>
#include <utility>

namespace modelauth {
inline namespace v0 {
namespace tokens {
namespace flows {
namespace detail {

// The base of the four flows: owns the context, never null after
// construction, and exposes it. The check is on the member itself, so a
// flow's member initializers may read `context_->` (g++ -O3 then sees it
// is not null; checking the argument before moving it did not let it).
template<class Clock>
class flow_base
{
public:
    /// The shared context.
    [[nodiscard]] flow_context<Clock>& context() const noexcept { return *context_; }

protected:
    // @throws configuration_error naming `<flow>.context` if `context` is null.
    flow_base(std::shared_ptr<flow_context<Clock>> context, char const* flow)
        : context_(std::move(context))
    {
        if(! context_)
            throw configuration_error(std::string(flow) + ".context", "is null");
    }

    std::shared_ptr<flow_context<Clock>> context_;
};

} // namespace detail
} // namespace flows
} // namespace tokens
} // namespace v0
} // namespace modelauth

#endif
