// Pieces the real-switch files share: the SDP a SIPp leg offers or answers with, and the sofia
// gateway (a trunk as production has one, register=false) whose proxy is a SIPp standing in for the
// citizen, installed into FreeSWITCH's conf for a run and removed after it.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '../helpers/gateway.js';

/** PCMU with RFC 2833 events, as a phone offers it (SIPp keywords fill in the addresses). */
export const SIPP_SDP = `
      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0 101
      a=rtpmap:0 PCMU/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15`;

type Api = (command: string) => Promise<string>;

/** Writes sip_profiles/external/<name>.xml with the SIPp at `port` as proxy, and waits until sofia has it. */
export async function installTrunk(api: Api, confDir: string, name: string, port: number): Promise<void> {
  writeFileSync(
    trunkFile(confDir, name),
    `<include>\n  <gateway name="${name}">\n    <param name="username" value="hotline"/>\n    <param name="password" value="unused"/>\n    <param name="proxy" value="127.0.0.1:${port}"/>\n    <param name="register" value="false"/>\n  </gateway>\n</include>\n`,
  );
  await api(`sofia profile external killgw ${name}`).catch(() => undefined);
  await api('reloadxml');
  await api('sofia profile external rescan');
  await eventually(
    () => api(`sofia status gateway ${name}`),
    (s) => s.includes(`127.0.0.1:${port}`),
    10_000,
  );
}

/** Takes the trunk out of the conf and out of sofia. */
export async function removeTrunk(api: Api, confDir: string, name: string): Promise<void> {
  const file = trunkFile(confDir, name);
  if (!existsSync(file)) return;
  rmSync(file);
  await api(`sofia profile external killgw ${name}`).catch(() => undefined);
  await api('reloadxml').catch(() => undefined);
}

const trunkFile = (confDir: string, name: string) => join(confDir, 'sip_profiles', 'external', `${name}.xml`);
