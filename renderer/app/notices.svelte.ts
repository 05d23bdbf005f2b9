/** Messages from actions that failed (a folder that cannot be opened…), shown until dismissed. */
export interface Notice {
  id: number;
  message: string;
}

export class NoticesState {
  #nextId = 1;
  notices = $state.raw<Notice[]>([]);

  show(message: string): void {
    this.notices = [...this.notices.filter((notice) => notice.message !== message), { id: this.#nextId++, message }];
  }

  dismiss(id: number): void {
    this.notices = this.notices.filter((notice) => notice.id !== id);
  }
}
