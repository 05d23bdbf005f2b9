/** Whether core events are arriving (browser mode loses them while the server is away). */
export class ConnectionState {
  connected = $state(true);
  /** Which transport the renderer runs on. */
  readonly transport: 'electron' | 'http';

  constructor(transport: 'electron' | 'http') {
    this.transport = transport;
  }
}
