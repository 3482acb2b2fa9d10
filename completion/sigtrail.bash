# bash completion for sigtrail(1): commands, options, signal names, causes,
# formats and syscalls. Installed to
# /usr/share/bash-completion/completions/sigtrail (meson install, the deb and
# the RPM); try it by hand with `. completion/sigtrail.bash`.
# tests/cli/completion.sh drives it through COMP_WORDS/COMP_CWORD and checks
# that it offers every option of every command's getopt table.

_sigtrail_common='--db --help --since --until --utc --local'
_sigtrail_filters='--signal --sender-comm --sender-user --sender-pid --target-comm --target-pid --failed --syscall --host --exclude-signal'

_sigtrail_options() {
	case $1 in
	who) echo "$_sigtrail_common --host --json --limit --full" ;;
	list) echo "$_sigtrail_common $_sigtrail_filters --json --limit --deaths --cause --follow" ;;
	watch) echo "$_sigtrail_common $_sigtrail_filters --json --deaths --signals --cause" ;;
	export) echo "$_sigtrail_common $_sigtrail_filters --format --output --meta --progress --no-progress --deaths --cause" ;;
	report) echo "$_sigtrail_common $_sigtrail_filters --format --output" ;;
	import) echo "--db --help --host --include-sig0 --progress --no-progress --no-redact --redact-disable --redact-flag --utc --local" ;;
	status) echo "--db --host --help --utc --local --json" ;;
	fleet) echo "$_sigtrail_common --host --verify --json" ;;
	metrics) echo "--db --help --output" ;;
	esac
}

_sigtrail() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local commands='who list watch export report import status metrics fleet help'
	local cmd='' i w

	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-d | --db) ((i++)) ;;
		-*) ;;
		*) cmd=$w && break ;;
		esac
	done
	COMPREPLY=()
	case $prev in
	--signal | --exclude-signal)
		local sigs='KILL TERM HUP INT QUIT USR1 USR2 STOP CONT ABRT SEGV PIPE ALRM CHLD URG WINCH TRAP BUS FPE ILL SYS XCPU XFSZ VTALRM PROF IO PWR TSTP TTIN TTOU STKFLT RTMIN RTMAX' s out=''
		for s in $sigs; do out="$out $s SIG$s"; done
		mapfile -t COMPREPLY < <(compgen -W "$out" -- "${cur^^}")
		return
		;;
	--cause)
		mapfile -t COMPREPLY < <(compgen -W 'signal oom crash pidns-teardown kernel' -- "$cur")
		return
		;;
	--syscall)
		mapfile -t COMPREPLY < <(compgen -W 'kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_send_signal' -- "$cur")
		return
		;;
	--format)
		case $cmd in
		report) mapfile -t COMPREPLY < <(compgen -W 'html md' -- "$cur") ;;
		*) mapfile -t COMPREPLY < <(compgen -W 'csv jsonl json' -- "$cur") ;;
		esac
		return
		;;
	-d | --db | -o | --output | --meta)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--since | --until)
		mapfile -t COMPREPLY < <(compgen -W '10m 1h 2h 1d 7d today yesterday now' -- "$cur")
		return
		;;
	--sender-pid | --target-pid | --limit | -n | --sender-comm | --target-comm | --sender-user | --host)
		return
		;;
	esac
	if [ -z "$cmd" ]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W '--db --help --version --utc --local' -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$commands" -- "$cur")
		fi
		return
	fi
	if [ "$cmd" = help ]; then
		mapfile -t COMPREPLY < <(compgen -W "${commands% help}" -- "$cur")
		return
	fi
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_sigtrail_options "$cmd")" -- "$cur")
	elif [ "$cmd" = import ]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
	fi
}
complete -F _sigtrail sigtrail
