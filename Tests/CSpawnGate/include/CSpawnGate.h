// posix_spawn and posix_spawnp for the test process, defined here so that they come before libc's: each takes the
// spawn gate of the C shims (`ipc_spawn_gate_enter`) for the call. No declarations: the definitions are found by the
// dynamic linker, not by name.
#ifndef CSPAWNGATE_H
#define CSPAWNGATE_H
#endif
