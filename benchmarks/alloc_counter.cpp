//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#include "alloc_counter.hpp"

#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> allocations{0};

void* counted_allocate(std::size_t size)
{
    allocations.fetch_add(1, std::memory_order_relaxed);
    if(void* p = std::malloc(size == 0 ? 1 : size))
        return p;
    throw std::bad_alloc();
}

void* counted_allocate_aligned(std::size_t size, std::align_val_t align)
{
    allocations.fetch_add(1, std::memory_order_relaxed);
    auto const alignment = static_cast<std::size_t>(align);
    auto const rounded = (size + alignment - 1) / alignment * alignment;
    if(void* p = std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded))
        return p;
    throw std::bad_alloc();
}
} // namespace

std::uint64_t modelauth_bench::allocation_count() noexcept
{
    return allocations.load(std::memory_order_relaxed);
}

void* operator new(std::size_t size) { return counted_allocate(size); }
void* operator new[](std::size_t size) { return counted_allocate(size); }
void* operator new(std::size_t size, std::align_val_t align) { return counted_allocate_aligned(size, align); }
void* operator new[](std::size_t size, std::align_val_t align) { return counted_allocate_aligned(size, align); }
void* operator new(std::size_t size, std::nothrow_t const&) noexcept
{
    try { return counted_allocate(size); } catch(...) { return nullptr; }
}
void* operator new[](std::size_t size, std::nothrow_t const&) noexcept
{
    try { return counted_allocate(size); } catch(...) { return nullptr; }
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::nothrow_t const&) noexcept { std::free(p); }
void operator delete[](void* p, std::nothrow_t const&) noexcept { std::free(p); }
