#!/usr/bin/env bash
# firewall: nftables, inbound only. Loopback, established/related traffic and ICMP are allowed;
# new connections only to SSH (22 or --ssh-port), HTTP 80, HTTPS 443 (TCP, and UDP for HTTP/3)
# and --extra-tcp-ports; everything else is dropped. The rules live in their own table,
# `inet hostdeck`, written to /etc/nftables.conf and loaded at boot by nftables.service; other
# tables (fail2ban's) are left alone, so the file replaces only this table instead of flushing
# the whole ruleset.
set -Eeuo pipefail

readonly FW_CONF=/etc/nftables.conf
readonly FW_TABLE=(inet hostdeck)

firewall_options_install() {
  hd_option ssh-port "$HD_RE_PORT" 22 "the port sshd listens on (1-65535)"
  hd_option extra-tcp-ports "$HD_RE_PORT_LIST" '' "a comma-separated list of extra TCP ports to open (e.g. 8443,9000)"
}

firewall_validate_install() {
  hd_check_ports --ssh-port "${HD_OPT[ssh-port]}"
  hd_check_ports --extra-tcp-ports "${HD_OPT[extra-tcp-ports]}"
}

firewall_render() { # -> FW_WANT
  local ports="${HD_OPT[ssh-port]}, 80, 443"
  [[ -n ${HD_OPT[extra-tcp-ports]} ]] && ports+=", ${HD_OPT[extra-tcp-ports]//,/, }"
  FW_WANT="#!/usr/sbin/nft -f
# $HD_MANAGED_MARK (firewall module). Hand edits show as drift in status and are replaced
# by the next install. Only table inet hostdeck is replaced; other tables stay loaded.
table inet hostdeck {}
delete table inet hostdeck

table inet hostdeck {
	chain input {
		type filter hook input priority filter; policy drop;
		iif \"lo\" accept
		ct state established,related accept
		ct state invalid drop
		# ICMP and ICMPv6 (path MTU, IPv6 neighbour discovery), by number: minimal hosts have
		# no /etc/protocols to resolve names
		meta l4proto { 1, 58 } accept
		tcp dport { $ports } accept
		# HTTP/3 (QUIC) for Caddy
		udp dport 443 accept
	}
}
"
}

firewall_loaded_sha() { # -> sha256 of the loaded table listing, or nothing when not loaded
  local listing
  listing=$(nft -n list table "${FW_TABLE[@]}" 2>/dev/null) || return 0
  printf '%s\n' "$listing" | sha256sum | cut -d' ' -f1
}

# Refuses to close the port sshd actually listens on: a typo here would lock the operator out.
firewall_ensure_ssh_port_open() {
  local step="ssh port ${HD_OPT[ssh-port]}" ports
  if ! command -v sshd >/dev/null; then
    hd_ok "$step" "no sshd installed here"
    return 0
  fi
  ports=$(sshd -T 2>/dev/null | awk '$1 == "port" {print $2}' | sort -u | tr '\n' ' ' || true)
  if [[ -n $ports && " $ports" != *" ${HD_OPT[ssh-port]} "* ]]; then
    hd_fail "$step" "sshd listens on port(s) ${ports% }, not ${HD_OPT[ssh-port]}: pass --ssh-port with sshd's port so the firewall does not lock you out. Nothing was changed."
  fi
  hd_ok "$step" "sshd listens on it"
}

firewall_check() { hd_run nft -c -f "$1"; } # CANDIDATE: the validate hook

# The reload hook: the table the file describes replaces the loaded one (one transaction). On a
# refused load the previous file is put back and this runs again, so the old rules stay loaded.
firewall_load() {
  FW_HAD_TABLE=$([[ -n $(firewall_loaded_sha) ]] && echo 1 || echo 0)
  hd_run nft -f "$FW_CONF" || return 1
  FW_LOADED=1
  hd_state_set ruleset "$(firewall_loaded_sha)"
}

firewall_ensure_conf() {
  local open="tcp ${HD_OPT[ssh-port]},80,443${HD_OPT[extra-tcp-ports]:+,${HD_OPT[extra-tcp-ports]}} udp 443"
  firewall_render
  ensure_validated_file "file $FW_CONF" "$FW_CONF" 0755 root root "$FW_WANT" \
    --validate firewall_check --reload firewall_load \
    --ok "open: $open" --would "would write (checked with nft -c first)" --changed "written ($open)" \
    --invalid "nft rejected the new rules, nothing was changed" \
    --refused "nft could not load the new rules; the previous file was put back and loaded again"
  hd_record_file "$FW_CONF"
}

# The loaded table is the one the file describes (the file replaces it in one transaction); a
# file just written was loaded by firewall_ensure_conf already.
firewall_ensure_loaded() {
  local step="nft table inet hostdeck" have want
  if [[ ${FW_LOADED:-0} == 1 ]]; then
    hd_changed "$step" "$([[ $FW_HAD_TABLE == 1 ]] && echo reloaded || echo loaded) from $FW_CONF"
    return 0
  fi
  have=$(firewall_loaded_sha)
  want=$(hd_state_get ruleset)
  if [[ -n $have && $have == "$want" ]]; then
    hd_ok "$step" "loaded"
    return 0
  fi
  if [[ $HD_CHECK != 1 ]]; then
    hd_run nft -f "$FW_CONF" || hd_fail "$step" "loading $FW_CONF failed: $HD_LAST_OUTPUT"
    hd_state_set ruleset "$(firewall_loaded_sha)"
  fi
  hd_changed "$step" "$([[ -n $have ]] && echo reloaded || echo loaded) from $FW_CONF"
}

firewall_ensure_unloaded() {
  local step="nft table inet hostdeck absent"
  if [[ -z $(firewall_loaded_sha) ]]; then
    hd_ok "$step" "not loaded"
    return 0
  fi
  [[ $HD_CHECK == 1 ]] || hd_run nft delete table "${FW_TABLE[@]}" || hd_fail "$step" "nft delete failed: $HD_LAST_OUTPUT"
  hd_changed "$step" "deleted: inbound traffic is no longer filtered by Hostdeck"
}

firewall_require_installed() {
  if [[ -z $(hd_pkg_version nftables) ]] || ! grep -qF "$HD_MANAGED_MARK" "$FW_CONF" 2>/dev/null; then
    hd_fail "firewall" "not installed; run: firewall install"
  fi
}

firewall_install() {
  ensure_packages nftables
  firewall_ensure_ssh_port_open
  firewall_ensure_conf
  if [[ $HD_CHECK == 1 && ! -f $FW_CONF ]]; then
    hd_changed "nft table inet hostdeck" "would load from $FW_CONF"
  else
    firewall_ensure_loaded
  fi
  # nftables.service is a oneshot that loads the file (at boot, and when started here).
  ensure_service nftables enabled active
  hd_state_set wanted enabled
  hd_state_set ssh-port "${HD_OPT[ssh-port]}"
  hd_state_set extra-tcp-ports "${HD_OPT[extra-tcp-ports]}"
}

firewall_enable() {
  firewall_require_installed
  firewall_ensure_loaded
  ensure_service nftables enabled active
  hd_state_set wanted enabled
}

# Disabling never stops nftables.service: its stop action flushes the whole ruleset, which would
# also drop other tables (fail2ban's bans). Only this table goes, and boot no longer loads it.
firewall_disable() {
  firewall_require_installed
  firewall_ensure_unloaded
  ensure_service nftables disabled any
  hd_state_set wanted disabled
}

# Restores Debian's stock /etc/nftables.conf; the nftables package stays (fail2ban uses nft).
firewall_remove() {
  firewall_ensure_unloaded
  if [[ -n $(hd_pkg_version nftables) ]]; then
    ensure_service nftables disabled any
  fi
  if grep -qF "$HD_MANAGED_MARK" "$FW_CONF" 2>/dev/null; then
    [[ $HD_CHECK == 1 ]] || hd_write_atomic "$FW_CONF" 0755 root root '#!/usr/sbin/nft -f

flush ruleset

table inet filter {
	chain input {
		type filter hook input priority filter;
	}
	chain forward {
		type filter hook forward priority filter;
	}
	chain output {
		type filter hook output priority filter;
	}
}
'
    hd_changed "file $FW_CONF" "restored the Debian default (accept all)"
  else
    hd_ok "file $FW_CONF" "not managed by Hostdeck"
  fi
  hd_state_clear
}

firewall_status() {
  local version installed=no drift=() loaded want
  version=$(hd_pkg_version nftables)
  [[ -n $version ]] && grep -qF "$HD_MANAGED_MARK" "$FW_CONF" 2>/dev/null && installed=yes
  hd_status installed "$installed"
  hd_status version "${version:-none}"
  loaded=$(firewall_loaded_sha)
  hd_status enabled "$([[ $(hd_unit_enabled nftables) == enabled ]] && echo yes || echo no)"
  hd_status active "$([[ -n $loaded ]] && echo yes || echo no)"
  if [[ -n $(hd_state_get wanted) ]]; then
    [[ -n $version ]] || drift+=(package:nftables:missing)
    mapfile -t -O "${#drift[@]}" drift < <(hd_file_drift)
    want=$(hd_state_get wanted)
    local en
    en=$(hd_unit_enabled nftables)
    if [[ $want == enabled ]]; then
      [[ $en == enabled ]] || drift+=("service:nftables:${en:-unknown}")
      if [[ -z $loaded ]]; then
        drift+=(rules:not-loaded)
      elif [[ $loaded != "$(hd_state_get ruleset)" ]]; then
        drift+=(rules:changed)
      fi
    else
      [[ $en != enabled ]] || drift+=(service:nftables:enabled)
      [[ -z $loaded ]] || drift+=(rules:loaded)
    fi
  fi
  hd_status drift "$(hd_join_drift "${drift[@]}")"
}
