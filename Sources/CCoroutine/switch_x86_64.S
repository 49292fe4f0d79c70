// ipc_context_switch(void **save_sp, void *next_sp): saves the System V callee-saved state on the current stack,
// stores the stack pointer in *save_sp, and resumes the state saved at next_sp. ipc_context_trampoline is where a
// fresh stack first returns to: it calls r12(r13) with an aligned stack.
#if defined(__x86_64__)
    .text
    .globl ipc_context_switch
    .hidden ipc_context_switch
    .type ipc_context_switch,@function
ipc_context_switch:
    .cfi_startproc
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .cfi_endproc
    .size ipc_context_switch,.-ipc_context_switch

    .globl ipc_context_trampoline
    .hidden ipc_context_trampoline
    .type ipc_context_trampoline,@function
ipc_context_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    movq %r13, %rdi
    andq $-16, %rsp
    callq *%r12
    ud2
    .cfi_endproc
    .size ipc_context_trampoline,.-ipc_context_trampoline
#endif
    .section .note.GNU-stack,"",@progbits
