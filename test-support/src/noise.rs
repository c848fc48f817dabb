//! Reproducible pseudo-random bytes (xorshift32), e.g. the pixels of an image no codec can
//! compress.

/// `len` bytes drawn from `seed` (any seed; 0 counts as 1).
pub fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}
