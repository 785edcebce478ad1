/**
 * When an input box shows its validation message. Pure, so it is tested in plain Node. VS Code reports
 * the box's initial value through onDidChangeValue when it is shown; treating that as typing put
 * "Letters, digits, spaces, _ or -." where the step's prompt should be. So the message waits until the
 * value differs from the one the step started with (or the user presses Enter).
 */
export class InputValidation {
  private touched = false;

  constructor(
    private readonly initial: string,
    private readonly validate: (value: string) => string | undefined,
  ) {}

  /** The message to show for a changed value: none until the user has actually changed it. */
  onChange(value: string): string | undefined {
    if (value !== this.initial) this.touched = true;
    return this.touched ? this.validate(value) : undefined;
  }

  /** Enter: always checked; the problem (if any) is shown and the answer refused. */
  onAccept(value: string): string | undefined {
    this.touched = true;
    return this.validate(value);
  }
}
