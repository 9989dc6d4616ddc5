# SPDX-License-Identifier: LGPL-2.1-or-later
# bash completion for timens(1)

# Pids of running processes.
_timens_pids()
{
	local pids
	pids=$(cd /proc 2>/dev/null && compgen -G '[0-9]*')
	COMPREPLY=($(compgen -W "$pids" -- "$1"))
}

# Completes the words from index $1 on as a command line of their own.
_timens_command_at()
{
	if declare -F _command_offset >/dev/null; then
		_command_offset "$1"
	elif [[ $1 -eq $COMP_CWORD ]]; then
		COMPREPLY=($(compgen -c -- "${COMP_WORDS[COMP_CWORD]}"))
	else
		COMPREPLY=($(compgen -f -- "${COMP_WORDS[COMP_CWORD]}"))
	fi
}

_timens()
{
	local cur prev sub i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The subcommand is the first word that is not an option.
	sub=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) sub=${COMP_WORDS[i]}; break ;;
		esac
	done

	if [[ -z $sub ]]; then
		COMPREPLY=($(compgen -W "run save show list enter probe --help --version" -- "$cur"))
		return
	fi

	case $sub in
	run)
		case $prev in
		-m|--monotonic|-b|--boottime|--uptime|--monotonic-value)
			# A value: nothing sensible to offer but examples.
			COMPREPLY=($(compgen -W "0 1h 1d 100d" -- "$cur"))
			return ;;
		--save|--continue)
			COMPREPLY=($(compgen -f -- "$cur"))
			return ;;
		esac
		# After COMMAND (or --), complete COMMAND's own words.
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			--) _timens_command_at $((i + 1)); return ;;
			-m|--monotonic|-b|--boottime|--uptime|--monotonic-value|--save|--continue) ((i++)) ;;
			-*) ;;
			*) _timens_command_at $i; return ;;
			esac
		done
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "--monotonic --boottime --uptime --monotonic-value
				--user --map-root-user --fork --save --continue --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -c -- "$cur"))
		fi
		;;
	show)
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-J --json --help" -- "$cur"))
		else
			_timens_pids "$cur"
		fi
		;;
	list|probe)
		COMPREPLY=($(compgen -W "-J --json --help" -- "$cur"))
		;;
	save)
		local words=0
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			[[ ${COMP_WORDS[i]} == -* ]] || ((words++))
		done
		if ((words == 0)); then
			_timens_pids "$cur"
		else
			COMPREPLY=($(compgen -f -- "$cur"))
		fi
		;;
	enter)
		local pid_at=
		for ((i = i + 1; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			-*) ;;
			*) pid_at=$i; break ;;
			esac
		done
		if [[ -z $pid_at ]]; then
			if [[ $cur == -* ]]; then
				COMPREPLY=($(compgen -W "--help" -- "$cur"))
			else
				_timens_pids "$cur"
			fi
			return
		fi
		i=$((pid_at + 1))
		[[ $i -lt $COMP_CWORD && ${COMP_WORDS[i]} == -- ]] && ((i++))
		_timens_command_at $i
		;;
	esac
}
complete -F _timens timens
