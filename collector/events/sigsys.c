/* sigsys.c: which syscalls send signals, in which ABI, and where their
 * signal argument is. Syscall numbers come from libaudit's tables (the same
 * ones auditctl and ausyscall use), so nothing is hand-copied; this file only
 * knows the six names and their argument layout. Exercise it with
 * `ausyscall i386 tgkill` against `meson test -C build sigsys`. */
#include "sigtrail/sigsys.h"

#include <errno.h>
#include <libaudit.h>
#include <string.h>

const char *const sigsys_names[6] = {
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal",
};

/* tgkill(tgid, tid, sig) and rt_tgsigqueueinfo(tgid, tid, sig, info) carry
 * the signal in a2; the others (pid or fd, sig, ...) in a1. */
static int sig_arg_of(const char *name)
{
	return strncmp(name, "tg", 2) == 0 || strncmp(name, "rt_tg", 5) == 0 ? 2 : 1;
}

/* Every machine type libaudit may know; unknown ones are skipped. */
static const int all_machines[] = {
    MACH_86_64,   MACH_X86, MACH_AARCH64, MACH_ARM,  MACH_PPC64,
    MACH_PPC64LE, MACH_PPC, MACH_S390X,   MACH_S390, MACH_IA64,
};

enum { SIGSYS_MAX = 6 * (int)(sizeof(all_machines) / sizeof(all_machines[0])) };

static struct sigsys table[SIGSYS_MAX];
static size_t table_len;

int sigsys_init(void)
{
	table_len = 0;
	for (size_t m = 0; m < sizeof(all_machines) / sizeof(all_machines[0]); m++) {
		unsigned int elf = audit_machine_to_elf(all_machines[m]);
		if (elf == 0)
			continue;
		for (size_t i = 0; i < 6; i++) {
			int nr = audit_name_to_syscall(sigsys_names[i], all_machines[m]);
			if (nr < 0)
				continue; /* e.g. no pidfd_send_signal in an old table */
			table[table_len++] = (struct sigsys){
			    .arch = elf,
			    .nr = nr,
			    .sig_arg = sig_arg_of(sigsys_names[i]),
			    .name = sigsys_names[i],
			};
		}
	}
	return table_len > 0 ? 0 : -ENOENT;
}

const struct sigsys *sigsys_lookup(uint32_t arch, int nr)
{
	/* At most 60 entries, scanned with two integer compares each. */
	for (size_t i = 0; i < table_len; i++)
		if (table[i].nr == nr && table[i].arch == arch)
			return &table[i];
	return NULL;
}

const char *sigsys_arch_name(uint32_t arch)
{
	int machine = audit_elf_to_machine(arch);
	return machine < 0 ? NULL : audit_machine_to_name(machine);
}

int sigsys_machine_arches(uint32_t *ret_arches, size_t max)
{
	int machine = audit_detect_machine();
	int compat = -1;
	size_t n = 0;

	if (machine < 0)
		return -ENOTSUP;
	switch (machine) {
	case MACH_86_64:
		compat = MACH_X86;
		break;
	case MACH_AARCH64:
		compat = MACH_ARM;
		break;
	case MACH_PPC64:
		compat = MACH_PPC;
		break;
	case MACH_S390X:
		compat = MACH_S390;
		break;
	default:
		break;
	}
	if (n < max && audit_machine_to_elf(machine) != 0)
		ret_arches[n++] = audit_machine_to_elf(machine);
	if (compat >= 0 && n < max && audit_machine_to_elf(compat) != 0)
		ret_arches[n++] = audit_machine_to_elf(compat);
	return n > 0 ? (int)n : -ENOTSUP;
}

size_t sigsys_for_rule(uint32_t arch, int sig_arg, int *ret_nrs, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < table_len && n < max; i++)
		if (table[i].arch == arch && table[i].sig_arg == sig_arg)
			ret_nrs[n++] = table[i].nr;
	return n;
}
