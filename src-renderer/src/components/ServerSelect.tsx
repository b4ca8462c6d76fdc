import type { ServerInfo } from '@contract';
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { View } from './View';
import { followServers, useServers } from '../stores/servers';

/**
 * The servers, kept current, and the one picked (the first until the operator picks another). The
 * pick is the caller's when it passes `picked` and `pick` (a form's value, a window-owned store).
 */
export function useChosenServer(picked?: string, pick?: (id: string) => void) {
  const servers = useServers((s) => s.servers);
  const [own, setOwn] = useState('');
  useEffect(followServers, []);
  const current = pick ? (picked ?? '') : own;
  return { servers, chosen: current || servers[0]?.id || '', choose: pick ?? setOwn };
}

/** Picks one server by name (labelled "Server" unless `label` says otherwise); off while there are none. */
export function ServerSelect(props: {
  servers: ServerInfo[];
  value: string;
  onChange(id: string): void;
  label?: string;
}) {
  return (
    <select
      aria-label={props.label ?? 'Server'}
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      disabled={props.servers.length === 0}
    >
      {props.servers.map((s) => (
        <option key={s.id} value={s.id}>
          {s.name}
        </option>
      ))}
    </select>
  );
}

/** A view that works on one chosen server: the server picker first among its header's actions. */
export function OneServerView({
  picker,
  actions,
  ...view
}: {
  title: string;
  className: string;
  picker: ReturnType<typeof useChosenServer>;
  actions: ReactNode;
  children: ReactNode;
}) {
  return (
    <View
      {...view}
      actions={
        <>
          <ServerSelect servers={picker.servers} value={picker.chosen} onChange={picker.choose} />
          {actions}
        </>
      }
    />
  );
}
