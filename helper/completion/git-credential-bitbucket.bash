# bash completion for git-credential-bitbucket and `git credential-bitbucket`
#
# Installed as .../bash-completion/completions/git-credential-bitbucket:
# bash-completion loads it for the command itself, and git's own completion
# loads it for `git credential-bitbucket` (it looks for git-<command>) and
# calls _git_credential_bitbucket.
#
# Nothing is written twice: verbs and options come from the program's own
# --help (generated from its verb tables), key names and stored URLs from
# `key list --json` and `list --json` (metadata only, never a secret).

__gcb_prog () {
	local p
	for p in git-credential-bitbucket "$(git --exec-path 2>/dev/null)/git-credential-bitbucket"; do
		if command -v "$p" >/dev/null 2>&1; then
			printf '%s' "$p"
			return 0
		fi
	done
	return 1
}

# __gcb_words ARGS...: the words to offer after ARGS
__gcb_words () {
	local prog
	prog=$(__gcb_prog) || return 0
	case $# in
	0)	# the verbs: "   VERB   ARGS" lines of the top-level usage, but
		# not git's own operations (their help line starts with "(git)")
		"$prog" --help 2>/dev/null | awk '
			/^   [a-z]/ { v = $1; next }
			v != "" && $1 != "(git)" { print v }
			{ v = "" }'
		printf '%s\n' --help --version ;;
	1)	if [ "$1" = key ]; then
			"$prog" key --help 2>/dev/null |
				sed -n 's/^usage: [^ ]* key \([a-z][a-z-]*\).*/\1/p'
		fi
		"$prog" "$@" --help 2>/dev/null | sed -n 's/^    \(--[a-z-]*\).*/\1/p' ;;
	*)	"$prog" "$@" --help 2>/dev/null | sed -n 's/^    \(--[a-z-]*\).*/\1/p' ;;
	esac
}

__gcb_key_names () {
	local prog
	prog=$(__gcb_prog) || return 0
	"$prog" key list --json 2>/dev/null </dev/null |
		sed -n 's/.*"name": *"\([^"]*\)".*/\1/p'
}

__gcb_stored_urls () {
	local prog
	prog=$(__gcb_prog) || return 0
	"$prog" list --json 2>/dev/null </dev/null | tr '{' '\n' |
		sed -n 's/.*"host": *"\([^"]*\)".*"scope": *"\([^"]*\)".*/https:\/\/\1\/\2/p' |
		sed 's/\/$//; s/$/\//' | sort -u
}

# __gcb_complete CUR WORDS...: WORDS are the arguments before CUR
__gcb_complete () {
	local cur=$1 verb= sub= prev
	shift
	verb=${1:-}
	sub=${2:-}
	prev=${!#}
	[ $# -gt 0 ] || prev=
	if [ $# -eq 0 ]; then
		COMPREPLY=($(compgen -W "$(__gcb_words)" -- "$cur"))
		return
	fi
	case $prev in
	--username | --expires | --repos | --bits) COMPREPLY=(); return ;;
	--type)	# from the help line: "--type TYPE   ed25519 (default), ecdsa or rsa"
		COMPREPLY=($(compgen -W "$("$(__gcb_prog)" key generate --help 2>/dev/null |
			sed -n 's/^ *--type [A-Z]* *//p' | tr -c 'a-z0-9\n' ' ' |
			sed 's/ default / /; s/ or / /')" -- "$cur"))
		return ;;
	--scope) COMPREPLY=(); return ;;
	esac
	case $cur in
	-*)
		if [ "$verb" = key ] && [ -n "$sub" ]; then
			COMPREPLY=($(compgen -W "$(__gcb_words key "$sub")" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(__gcb_words "$verb")" -- "$cur"))
		fi
		return ;;
	esac
	case $verb in
	key)
		if [ $# -eq 1 ]; then
			COMPREPLY=($(compgen -W "$(__gcb_words key)" -- "$cur"))
			return
		fi
		case $sub in
		public | remove | rename | scope | set-read-only)
			COMPREPLY=($(compgen -W "$(__gcb_key_names)" -- "$cur")) ;;
		import)
			COMPREPLY=($(compgen -f -- "$cur")) ;;
		esac ;;
	logout)
		COMPREPLY=($(compgen -W "$(__gcb_stored_urls)" -- "$cur")) ;;
	setup | doctor)	# a remote of the repository here, or a stored URL
		COMPREPLY=($(compgen -W "$(git remote 2>/dev/null) $(__gcb_stored_urls)" -- "$cur")) ;;
	esac
}

# git credential-bitbucket ...: git's completion calls this with words
# and cword set; the verb starts after "credential-bitbucket".
_git_credential_bitbucket () {
	local i start=
	for ((i = 1; i < cword; i++)); do
		if [ "${words[i]}" = credential-bitbucket ]; then
			start=$((i + 1))
			break
		fi
	done
	[ -n "$start" ] || return
	__gcb_complete "${words[cword]}" "${words[@]:start:cword-start}"
}

_git_credential_bitbucket_cmd () {
	local cur=${COMP_WORDS[COMP_CWORD]}
	__gcb_complete "$cur" "${COMP_WORDS[@]:1:COMP_CWORD-1}"
}

complete -F _git_credential_bitbucket_cmd git-credential-bitbucket
