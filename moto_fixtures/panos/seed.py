"""The configuration a sandbox VM-Series starts with: what a firewall looks like after its
bootstrap and a little hand work, so that eastwest meets a rulebase it does not own.

Out: ``initial_config(hostname)``, the whole ``<config>`` tree: the App-ID catalogue under
``/config/predefined`` (a realistic subset of the content release's applications), one vsys
with two zones, a hand-made address, tag, security profile group and two hand-made rules (one
allowing a jump host, one logging denies), and a ``default`` schedule-free rulebase otherwise.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

# App-ID names as the content release spells them; the fake's catalogue, read by eastwest to
# refuse an application the firewall does not know.
APPLICATIONS = (
    "active-directory", "bgp", "dns", "dns-over-https", "ftp", "git", "http-audio",
    "http-video", "icmp", "imap", "kerberos", "ldap", "ms-ds-smb", "ms-rdp", "ms-sql",
    "mssql-db", "mysql", "netbios-ns", "nfs", "ntp", "ocsp", "oracle", "ping", "pop3",
    "postgres", "rdp", "redis", "rtsp", "smtp", "snmp", "ssh", "ssl", "syslog", "telnet",
    "traceroute", "web-browsing", "websocket", "mongodb", "elasticsearch", "kafka",
    "rabbitmq", "memcached", "cassandra", "grpc", "http2", "quic", "radius", "tacacs-plus",
)  # fmt: skip

VSYS_XPATH = "/config/devices/entry[@name='localhost.localdomain']/vsys/entry[@name='vsys1']"
RULES_XPATH = f"{VSYS_XPATH}/rulebase/security/rules"

_CONFIG = """
<config version="10.2.0" urldb="paloaltonetworks">
  <mgt-config><users><entry name="admin"><permissions><role-based><superuser>yes</superuser>
  </role-based></permissions></entry></users></mgt-config>
  <shared><application/><address/><address-group/><tag/><schedule/></shared>
  <devices><entry name="localhost.localdomain">
    <deviceconfig><system><hostname>{hostname}</hostname><type><static/></type></system>
    </deviceconfig>
    <network><interface><ethernet>
      <entry name="ethernet1/1"><layer3><dhcp-client/></layer3></entry>
      <entry name="ethernet1/2"><layer3><dhcp-client/></layer3></entry>
    </ethernet></interface></network>
    <vsys><entry name="vsys1">
      <zone>
        <entry name="trust"><network><layer3><member>ethernet1/2</member></layer3></network>
        </entry>
        <entry name="untrust"><network><layer3><member>ethernet1/1</member></layer3></network>
        </entry>
      </zone>
      <address><entry name="ops-jump-host"><ip-netmask>10.100.255.10/32</ip-netmask>
      </entry></address>
      <address-group/>
      <tag><entry name="operations"><color>color3</color></entry></tag>
      <schedule/>
      <profile-group><entry name="default"><virus><member>default</member></virus>
      <spyware><member>default</member></spyware></entry></profile-group>
      <rulebase><security><rules>
        <entry name="ops-jump-host-ssh" uuid="3f0c0b5e-7a1e-4c57-9a8e-0a5e0c1d2e01">
          <from><member>trust</member></from><to><member>trust</member></to>
          <source><member>ops-jump-host</member></source>
          <destination><member>any</member></destination>
          <source-user><member>any</member></source-user>
          <category><member>any</member></category>
          <application><member>ssh</member></application>
          <service><member>application-default</member></service>
          <action>allow</action><tag><member>operations</member></tag>
          <description>jump host, kept by the operations team</description>
        </entry>
        <entry name="log-untrust-denies" uuid="3f0c0b5e-7a1e-4c57-9a8e-0a5e0c1d2e02">
          <from><member>untrust</member></from><to><member>any</member></to>
          <source><member>any</member></source><destination><member>any</member></destination>
          <source-user><member>any</member></source-user>
          <category><member>any</member></category>
          <application><member>any</member></application>
          <service><member>any</member></service>
          <action>deny</action><log-end>yes</log-end>
        </entry>
      </rules></security></rulebase>
    </entry></vsys>
  </entry></devices>
</config>
"""


def initial_config(hostname: str) -> ET.Element:
    return with_catalogue(strip(_CONFIG.format(hostname=hostname)))


def with_catalogue(text: str) -> ET.Element:
    """The ``<config>`` of ``text`` with the App-ID catalogue under ``/config/predefined``."""
    root = ET.fromstring(text)  # noqa: S314 (our own constants)
    predefined = ET.Element("predefined")
    catalogue = ET.SubElement(predefined, "application")
    for name in APPLICATIONS:
        entry = ET.SubElement(catalogue, "entry", {"name": name})
        ET.SubElement(entry, "category").text = "business-systems"
    root.insert(0, predefined)
    return root


def strip(text: str) -> str:
    """Drop the layout whitespace between tags, as the firewall stores none."""
    return "".join(line.strip() for line in text.splitlines())
