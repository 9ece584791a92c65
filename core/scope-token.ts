// One scope-token as RFC 6749 §3.3 defines it (Appendix A.4: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )):
// what the token endpoint, the registry, the minter, discovery and keygate/client all check scopes against.
export const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
