//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_DETAIL_LAZY_JSON_OBJECT_HPP
#define MODELAUTH_VALIDATION_DETAIL_LAZY_JSON_OBJECT_HPP

#include <modelauth/jose/json.hpp>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// JSON object text parsed on first use, then kept; safe to read from many
// threads (the first parse is published with a compare-exchange).
class lazy_json_object
{
public:
    lazy_json_object() noexcept = default;

    lazy_json_object(std::string text, bool check) : text_(std::move(text))
    {
        if(check)
            (void)get();
    }

    explicit lazy_json_object(boost::json::object const& object)
        : text_(boost::json::serialize(object))
        , parsed_(new boost::json::object(object))
    {
    }

    lazy_json_object(lazy_json_object const& other) : text_(other.text_), max_depth_(other.max_depth_) {}

    lazy_json_object(lazy_json_object&& other) noexcept
        : text_(std::move(other.text_))
        , max_depth_(other.max_depth_)
        , parsed_(other.parsed_.exchange(nullptr))
    {
    }

    lazy_json_object& operator=(lazy_json_object const& other)
    {
        if(this != &other)
            *this = lazy_json_object(other);
        return *this;
    }

    lazy_json_object& operator=(lazy_json_object&& other) noexcept
    {
        if(this != &other)
        {
            delete parsed_.exchange(other.parsed_.exchange(nullptr));
            text_ = std::move(other.text_);
            max_depth_ = other.max_depth_;
        }
        return *this;
    }

    ~lazy_json_object() { delete parsed_.load(); }

    std::string const& text() const noexcept { return text_; }

    // Empties the object for reuse: the parsed form is freed, the text's
    // buffer is handed to the caller (to be filled and given back).
    // Precondition for this and adopt_checked_text: no other thread reads
    // the object (its principal is being built or recycled).
    std::string release_text() noexcept
    {
        drop_parsed();
        std::string text = std::move(text_);
        text_.clear();
        text.clear();
        return text;
    }

    // Takes `text` (already checked, nested at most `max_depth` deep) as
    // the object's text, unparsed: the parse on first use allows that depth,
    // so it cannot fail on what the check accepted.
    void adopt_checked_text(std::string&& text, std::size_t max_depth) noexcept
    {
        drop_parsed();
        text_ = std::move(text);
        max_depth_ = max_depth;
    }

    // Empties the text, keeping its buffer; frees the parsed form.
    void clear() noexcept
    {
        drop_parsed();
        text_.clear();
        max_depth_ = jose::default_max_json_depth;
    }

    boost::json::object const& get() const
    {
        if(auto const* p = parsed_.load(std::memory_order_acquire))
            return *p;
        auto fresh = std::make_unique<boost::json::object>();
        if(! text_.empty())
            *fresh = jose::parse_json_object_strict(text_, {}, max_depth_).value();
        boost::json::object* expected = nullptr;
        if(parsed_.compare_exchange_strong(expected, fresh.get(), std::memory_order_acq_rel,
                                           std::memory_order_acquire))
            return *fresh.release();
        return *expected; // another thread published first
    }

private:
    // Only for an object no other thread reads: plain loads and stores.
    void drop_parsed() noexcept
    {
        if(auto* p = parsed_.load(std::memory_order_relaxed))
        {
            parsed_.store(nullptr, std::memory_order_relaxed);
            delete p;
        }
    }

    std::string text_;
    std::size_t max_depth_ = jose::default_max_json_depth;
    mutable std::atomic<boost::json::object*> parsed_{nullptr};
};

} // namespace detail
} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
