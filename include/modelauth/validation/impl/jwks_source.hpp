//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_VALIDATION_IMPL_JWKS_SOURCE_HPP
#define MODELAUTH_VALIDATION_IMPL_JWKS_SOURCE_HPP

#include <modelauth/configuration_error.hpp>
#include <modelauth/detail/prometheus.hpp>
#include <modelauth/validation/detail/https_get.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <mutex>
#include <random>
#include <thread>

namespace modelauth {
inline namespace v0 {
namespace validation {
namespace detail {

// What tells two key sets apart: each key's id, algorithm and RFC 7638
// thumbprint, sorted. A refresh that brings the same keys publishes
// nothing, so the verified-token cache stays warm.
inline std::string key_set_fingerprint(jose::key_set const& keys)
{
    std::vector<std::string> entries;
    entries.reserve(keys.size());
    for(auto const& key : keys)
    {
        std::string entry(key.kid());
        entry += '\n';
        entry += jose::algorithm_name(key.alg());
        entry += '\n';
        entry += key.thumbprint();
        entries.push_back(std::move(entry));
    }
    std::sort(entries.begin(), entries.end());
    std::string fingerprint;
    for(auto const& e : entries)
    {
        fingerprint += e;
        fingerprint += '\0';
    }
    return fingerprint;
}

// The key path of the `i`-th source, for a configuration_error.
inline std::string config_path_of(remote_key_source const& source, std::size_t i)
{
    return source.config_path.empty() ? "remote_keys[" + std::to_string(i) + "]" : source.config_path;
}

} // namespace detail

template<class Clock>
struct basic_jwks_source<Clock>::impl : std::enable_shared_from_this<impl>
{
    using strand_type = boost::asio::strand<boost::asio::any_io_executor>;

    struct issuer_state
    {
        issuer_state(remote_key_source src, boost::asio::any_io_executor const& executor)
            : source(std::move(src))
            , strand(boost::asio::make_strand(executor))
            , timer(strand)
        {
        }

        remote_key_source source;
        std::optional<fetch_url> jwks_url;      // configured, or found by discovery
        std::optional<fetch_url> discovery_url; // with discovery
        std::shared_ptr<boost::asio::ssl::context> tls;
        strand_type strand;
        boost::asio::steady_timer timer;

        // On the strand only.
        std::shared_ptr<detail::https_get> in_flight;
        bool busy = false;
        unsigned failures = 0;
        std::string fingerprint; // of the set published last
        std::minstd_rand random{std::random_device{}()}; // the retry jitter

        // Read from any thread.
        std::atomic<std::int64_t> refresh_gate{(std::numeric_limits<std::int64_t>::min)()};
        std::atomic<std::size_t> keys{0};
        std::atomic<std::int64_t> last_success{(std::numeric_limits<std::int64_t>::min)()};
        std::array<std::atomic<std::uint64_t>, fetch_outcome_count> fetches{};
        mutable std::mutex text_mutex;
        std::string jwks_uri;    // under text_mutex
        std::error_code last_error; // under text_mutex
    };

    impl(std::optional<boost::asio::any_io_executor> executor, std::vector<remote_key_source> sources,
         jwks_source_options opts, Clock c)
        : options(std::move(opts))
        , clock(std::move(c))
    {
        if(! executor)
            own_context.emplace(1);
        boost::asio::any_io_executor const ex = executor ? *executor : own_context->get_executor();
        for(std::size_t i = 0; i < sources.size(); ++i)
        {
            auto& src = sources[i];
            auto field = [&src, i](char const* name) { return detail::config_path_of(src, i) + "." + name; };
            if(src.issuer.empty())
                throw configuration_error(field("issuer"), "must not be empty");
            for(auto const& other : issuers)
                if(other->source.issuer == src.issuer)
                    throw configuration_error(field("issuer"), "is listed twice: " + src.issuer);
            if(src.refresh.count() <= 0)
                throw configuration_error(field("refresh"), "must be positive");
            if(src.min_refresh.count() <= 0)
                throw configuration_error(field("min_refresh"), "must be positive");
            auto state = std::make_unique<issuer_state>(src, ex);
            if(src.discovery)
            {
                if(! src.jwks_uri.empty())
                    throw configuration_error(field("jwks_uri"), "must be empty with discovery: discovery finds it");
                auto const url = discovery_url(src.issuer);
                if(auto const problem = fetch_url_problem(url); ! problem.empty())
                    throw configuration_error(field("issuer"), "has no discovery document to fetch: " + problem);
                state->discovery_url = parse_fetch_url(url).value();
            }
            else
            {
                if(auto const problem = fetch_url_problem(src.jwks_uri); ! problem.empty())
                    throw configuration_error(field("jwks_uri"), problem);
                state->jwks_url = parse_fetch_url(src.jwks_uri).value();
                state->jwks_uri = src.jwks_uri;
            }
            state->tls = detail::make_client_tls_context(src.ca_file, field("ca_file"));
            issuers.push_back(std::move(state));
        }
    }

    std::int64_t now_ns() const
    {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(clock.now().time_since_epoch()).count();
    }

    issuer_state* find(std::string_view issuer) const noexcept
    {
        for(auto const& s : issuers)
            if(s->source.issuer == issuer)
                return s.get();
        return nullptr;
    }

    detail::fetch_limits limits() const
    {
        return {options.connect_timeout, options.request_timeout, options.max_body_bytes, options.user_agent};
    }

    // On the strand of `s`.
    void fetch(issuer_state& s)
    {
        if(stopped.load(std::memory_order_acquire) || s.busy)
            return;
        s.busy = true;
        s.timer.cancel();
        if(s.source.discovery)
            get(s, *s.discovery_url, [](impl& self, issuer_state& st, detail::fetched_document doc) {
                self.on_discovery(st, std::move(doc));
            });
        else
            get(s, *s.jwks_url, [](impl& self, issuer_state& st, detail::fetched_document doc) {
                self.on_jwks(st, std::move(doc));
            });
    }

    template<class Next>
    void get(issuer_state& s, fetch_url const& url, Next next)
    {
        std::weak_ptr<impl> weak = this->shared_from_this();
        auto op = std::make_shared<detail::https_get>(
            s.strand, s.tls, url, limits(), [weak, &s, next](std::error_code ec, detail::fetched_document doc) {
                auto self = weak.lock();
                if(! self)
                    return;
                s.in_flight.reset();
                if(ec == std::errc::operation_canceled || self->stopped.load(std::memory_order_acquire))
                {
                    s.busy = false;
                    return;
                }
                if(ec)
                {
                    self->fail(s, ec);
                    return;
                }
                next(*self, s, std::move(doc));
            });
        s.in_flight = op;
        op->start();
    }

    void on_discovery(issuer_state& s, detail::fetched_document doc)
    {
        auto uri = jwks_uri_from_discovery(doc.body, s.source.issuer);
        if(! uri)
        {
            fail(s, uri.error());
            return;
        }
        s.jwks_url = parse_fetch_url(*uri).value();
        {
            std::lock_guard<std::mutex> lock(s.text_mutex);
            s.jwks_uri = std::move(*uri);
        }
        get(s, *s.jwks_url, [](impl& self, issuer_state& st, detail::fetched_document d) {
            self.on_jwks(st, std::move(d));
        });
    }

    void on_jwks(issuer_state& s, detail::fetched_document doc)
    {
        auto keys = key_set_from_fetched_jwks(doc.body, s.source.default_alg);
        if(! keys)
        {
            fail(s, keys.error());
            return;
        }
        auto fingerprint = detail::key_set_fingerprint(*keys);
        auto const count = keys->size();
        if(fingerprint != s.fingerprint && publish)
        {
            try
            {
                publish(s.source.issuer, std::move(*keys));
                s.fingerprint = std::move(fingerprint);
            }
            catch(std::exception const&)
            {
                // The receiver no longer takes this issuer's keys (its
                // issuers were replaced): nothing is in force to count.
                fail(s, fetch_error::no_usable_keys);
                return;
            }
        }
        s.keys.store(count, std::memory_order_release);
        s.last_success.store(now_ns(), std::memory_order_release);
        s.fetches[0].fetch_add(1, std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lock(s.text_mutex);
            s.last_error = {};
        }
        s.failures = 0;
        s.busy = false;
        schedule(s, refresh_delay(s.source, cache_control_max_age(doc.cache_control)));
        tell(s, {});
    }

    void tell(issuer_state const& s, std::error_code outcome) noexcept
    {
        if(! options.on_fetch)
            return;
        try
        {
            options.on_fetch(s.source.issuer, outcome);
        }
        catch(...)
        {
            // An observer's failure changes nothing of the keys.
        }
    }

    void fail(issuer_state& s, std::error_code ec)
    {
        auto const index = ec.category() == fetch_error_category() ? static_cast<std::size_t>(ec.value()) : 0;
        if(index > 0 && index < fetch_outcome_count)
            s.fetches[index].fetch_add(1, std::memory_order_relaxed);
        {
            std::lock_guard<std::mutex> lock(s.text_mutex);
            s.last_error = ec;
        }
        ++s.failures;
        s.busy = false;
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        schedule(s, retry_delay(s.source, s.failures, unit(s.random)));
        tell(s, ec);
    }

    void schedule(issuer_state& s, std::chrono::milliseconds delay)
    {
        if(stopped.load(std::memory_order_acquire))
            return;
        s.timer.expires_after(delay);
        std::weak_ptr<impl> weak = this->shared_from_this();
        s.timer.async_wait([weak, &s](boost::system::error_code ec) {
            if(ec)
                return;
            if(auto self = weak.lock())
                self->fetch(s);
        });
    }

    bool request_refresh(std::string_view issuer) noexcept
    {
        if(stopped.load(std::memory_order_acquire) || ! started.load(std::memory_order_acquire))
            return false;
        auto* s = find(issuer);
        if(s == nullptr)
            return false;
        std::int64_t now = 0;
        try
        {
            now = now_ns();
        }
        catch(...)
        {
            return false;
        }
        auto gate = s->refresh_gate.load(std::memory_order_acquire);
        if(now < gate)
            return false;
        auto const next = now + std::chrono::duration_cast<std::chrono::nanoseconds>(s->source.min_refresh).count();
        if(! s->refresh_gate.compare_exchange_strong(gate, next, std::memory_order_acq_rel))
            return false; // another thread asked first
        try
        {
            post_fetch(*s);
        }
        catch(...)
        {
            return false;
        }
        return true;
    }

    void post_fetch(issuer_state& s)
    {
        std::weak_ptr<impl> weak = this->shared_from_this();
        boost::asio::post(s.strand, [weak, &s] {
            if(auto self = weak.lock())
                self->fetch(s);
        });
    }

    void start()
    {
        if(started.exchange(true))
            return;
        auto const now = now_ns();
        for(auto& s : issuers)
        {
            s->refresh_gate.store(now + std::chrono::duration_cast<std::chrono::nanoseconds>(s->source.min_refresh).count());
            post_fetch(*s);
        }
        if(own_context)
        {
            guard.emplace(own_context->get_executor());
            thread = std::thread([this] { own_context->run(); });
        }
    }

    void stop() noexcept
    {
        if(stopped.exchange(true))
            return;
        if(own_context)
        {
            guard.reset();
            own_context->stop();
            if(thread.joinable())
                thread.join();
            for(auto& s : issuers)
            {
                if(s->in_flight)
                    s->in_flight->cancel();
                s->in_flight.reset();
                s->timer.cancel();
            }
            return;
        }
        for(auto& s : issuers)
        {
            std::weak_ptr<impl> weak = this->shared_from_this();
            auto* state = s.get();
            try
            {
                boost::asio::post(state->strand, [weak, state] {
                    if(! weak.lock())
                        return;
                    state->timer.cancel();
                    if(state->in_flight)
                        state->in_flight->cancel();
                });
            }
            catch(...)
            {
                // Nothing more is published either way (stopped is set).
            }
        }
    }

    // Destroyed last: the strands, timers and fetches above use it.
    std::optional<boost::asio::io_context> own_context;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guard;
    std::thread thread;
    jwks_source_options options;
    Clock clock;
    std::vector<std::unique_ptr<issuer_state>> issuers;
    publish_function publish;
    std::atomic<bool> started{false};
    std::atomic<bool> stopped{false};
};

template<class Clock>
basic_jwks_source<Clock>::basic_jwks_source(boost::asio::any_io_executor executor,
                                            std::vector<remote_key_source> sources, jwks_source_options options,
                                            Clock clock)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(sources), std::move(options), std::move(clock)))
{
}

template<class Clock>
basic_jwks_source<Clock>::basic_jwks_source(std::vector<remote_key_source> sources, jwks_source_options options,
                                            Clock clock)
    : impl_(std::make_shared<impl>(std::nullopt, std::move(sources), std::move(options), std::move(clock)))
{
}

template<class Clock>
basic_jwks_source<Clock>::~basic_jwks_source()
{
    impl_->stop();
}

template<class Clock>
template<class ValidatorClock>
void basic_jwks_source<Clock>::attach(std::shared_ptr<basic_token_validator<ValidatorClock>> const& validator)
{
    for(std::size_t i = 0; i < impl_->issuers.size(); ++i)
        if(! validator->trusts(impl_->issuers[i]->source.issuer))
            throw configuration_error(detail::config_path_of(impl_->issuers[i]->source, i) + ".issuer",
                                      "is not a trusted issuer of the validator: " + impl_->issuers[i]->source.issuer);
    std::weak_ptr<basic_token_validator<ValidatorClock>> weak_validator = validator;
    impl_->publish = [weak_validator](std::string const& issuer, jose::key_set keys) {
        if(auto v = weak_validator.lock())
            v->set_issuer_keys(issuer, std::move(keys));
    };
    std::weak_ptr<impl> weak_source = impl_;
    validator->on_unknown_key([weak_source](std::string_view issuer) {
        if(auto s = weak_source.lock())
            s->request_refresh(issuer);
    });
}

template<class Clock>
void basic_jwks_source<Clock>::on_keys(publish_function publish)
{
    impl_->publish = std::move(publish);
}

template<class Clock>
void basic_jwks_source<Clock>::start()
{
    impl_->start();
}

template<class Clock>
void basic_jwks_source<Clock>::stop() noexcept
{
    impl_->stop();
}

template<class Clock>
bool basic_jwks_source<Clock>::request_refresh(std::string_view issuer) noexcept
{
    return impl_->request_refresh(issuer);
}

template<class Clock>
std::vector<remote_key_status> basic_jwks_source<Clock>::status() const
{
    std::vector<remote_key_status> out;
    out.reserve(impl_->issuers.size());
    for(auto const& s : impl_->issuers)
    {
        remote_key_status st;
        st.issuer = s->source.issuer;
        {
            std::lock_guard<std::mutex> lock(s->text_mutex);
            st.jwks_uri = s->jwks_uri;
            st.last_error = s->last_error;
        }
        st.keys = s->keys.load(std::memory_order_acquire);
        auto const last = s->last_success.load(std::memory_order_acquire);
        if(last != (std::numeric_limits<std::int64_t>::min)())
            st.last_success = std::chrono::system_clock::time_point(
                std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(last)));
        for(std::size_t i = 0; i < fetch_outcome_count; ++i)
            st.fetches[i] = s->fetches[i].load(std::memory_order_relaxed);
        out.push_back(std::move(st));
    }
    return out;
}

template<class Clock>
std::vector<std::string> basic_jwks_source<Clock>::issuers_without_keys() const
{
    std::vector<std::string> out;
    for(auto const& s : impl_->issuers)
        if(s->keys.load(std::memory_order_acquire) == 0)
            out.push_back(s->source.issuer);
    return out;
}

template<class Clock>
void basic_jwks_source<Clock>::append_prometheus(std::string& out, std::string_view prefix) const
{
    using modelauth::detail::append_family;
    auto const name = [&](std::string_view suffix) { return std::string(prefix) + std::string(suffix); };
    auto const sample = [&](std::string_view suffix, std::string_view issuer, std::string_view outcome, std::uint64_t value) {
        std::string labels = "issuer=\"";
        modelauth::detail::append_label_value(labels, issuer);
        labels += '"';
        if(! outcome.empty())
            labels.append(",outcome=\"").append(outcome).append("\"");
        modelauth::detail::append_sample(out, name(suffix), labels, value);
    };
    auto const statuses = status();
    append_family(out, name("_key_fetches_total"), "counter", "Fetches of remote key sets that ended, by issuer and outcome.");
    for(auto const& st : statuses)
        for(std::size_t i = 0; i < fetch_outcome_count; ++i)
            if(i == 0 || st.fetches[i] != 0)
                sample("_key_fetches_total", st.issuer,
                       i == 0 ? std::string_view("ok")
                              : error_name(make_error_code(static_cast<fetch_error>(i))),
                       st.fetches[i]);
    append_family(out, name("_keys_loaded"), "gauge", "Keys in force for each remote issuer (0: none yet, its tokens are refused).");
    for(auto const& st : statuses)
        sample("_keys_loaded", st.issuer, {}, st.keys);
    append_family(out, name("_key_seconds_since_success"), "gauge", "Seconds since the issuer's keys were last fetched successfully.");
    auto const now = impl_->clock.now();
    for(auto const& st : statuses)
        if(st.last_success)
            sample("_key_seconds_since_success", st.issuer, {},
                   static_cast<std::uint64_t>((std::max)(
                       std::chrono::duration_cast<std::chrono::seconds>(now - *st.last_success).count(), std::int64_t(0))));
}

} // namespace validation
} // namespace v0
} // namespace modelauth

#endif
