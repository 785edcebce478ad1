/** What the test services did, said plainly on stderr (one line each), so a newcomer sees what ran. */
export function report(service: string, what: string): void {
  process.stderr.write(`test-services: ${service}: ${what}\n`);
}
