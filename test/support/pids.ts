// A process id that no process can have, for the "left behind by a killed run" tests: above Linux's
// PID_MAX_LIMIT (2^22, the most /proc/sys/kernel/pid_max allows), so kill(pid, 0) answers ESRCH. Found without
// spawning a process, which keeps the unit project free of child processes.
export const NO_SUCH_PID = 2 ** 22 + 1;
