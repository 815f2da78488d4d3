//
// Copyright (c) 2026 The modelauth authors
// Distributed under the Boost Software License, Version 1.0.
// (See accompanying file LICENSE or copy at http://www.boost.org/LICENSE_1_0.txt)
//

#ifndef MODELAUTH_FUZZ_ORACLE_HPP
#define MODELAUTH_FUZZ_ORACLE_HPP

// What every fuzz target's oracle uses: a broken property aborts, which
// libFuzzer reports as a crash and keeps the input for.

#include <cstdlib>

namespace modelauth_fuzz {

inline void check(bool ok)
{
    if(! ok)
        std::abort();
}

} // namespace modelauth_fuzz

#endif
