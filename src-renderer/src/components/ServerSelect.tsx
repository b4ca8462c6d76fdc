import type { ServerInfo } from '@contract';
import { useEffect, useState } from 'react';
import { followServers, useServers } from '../stores/servers';

/** The servers, kept current, and the one picked (the first until the operator picks another). */
export function useChosenServer() {
  const servers = useServers((s) => s.servers);
  const [picked, setPicked] = useState('');
  useEffect(followServers, []);
  return { servers, chosen: picked || servers[0]?.id || '', choose: setPicked };
}

/** Picks one server by name; off while there are none. */
export function ServerSelect(props: { servers: ServerInfo[]; value: string; onChange(id: string): void }) {
  return (
    <select
      aria-label="Server"
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
