// Run-time CPU feature checks. Called when an op runs (never at import). The checks must cover every
// flag the matching translation unit is compiled with (setup.py: *_avx512.cpp, *_popcnt.cpp).
#pragma once

namespace zcnas {

inline bool cpu_has_popcnt() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("popcnt");
#else
    return false;
#endif
}

// avx512f + bw + vl + vpopcntdq: exactly the flags setup.py gives *_avx512.cpp. __builtin_cpu_supports
// also checks that the OS saves the zmm state (XCR0).
inline bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vpopcntdq");
#else
    return false;
#endif
}

}  // namespace zcnas
