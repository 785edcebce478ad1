/**
 * The wizards' step rules apart from the widgets: Enter in a multi-select step, titles that say how many
 * questions a step asks (checked against the questions the connection steps really ask), and the next
 * steps offered once a route is written (commands the extension contributes).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { askConnectionSettings, settingsQuestionCount } from "../src/wizard/connectionSteps.js";
import {
  acceptedPicks,
  type ConnectionAnswers,
  type Direction,
  INBOUND_TRANSPORTS,
  OUTBOUND_TRANSPORTS,
  questionTitle,
  ROUTE_NEXT_STEPS,
  routeWrittenMessage,
  type Transport,
} from "../src/wizard/model.js";
import type { StepInput } from "../src/wizard/steps.js";

/** A StepInput that answers every question with its pre-filled or first choice, counting them. */
function answeringInput(): { input: StepInput; asked: () => number } {
  let asked = 0;
  const fake = {
    about: () => {},
    pick: async (o: { items: { value: unknown }[]; activeValue?: unknown }) => {
      asked++;
      return o.activeValue ?? o.items[0]?.value;
    },
    pickMany: async (o: { items: { value: unknown }[] }) => {
      asked++;
      return [o.items[0]?.value];
    },
    text: async (o: { value?: string }) => {
      asked++;
      return o.value || "env:some_key";
    },
  };
  // Structural stand-in: the real StepInput drives vscode widgets, which Node does not have.
  return { input: fake as unknown as StepInput, asked: () => asked };
}

describe("wizard steps", () => {
  it("Enter in a multi-select step takes the highlighted row, with any ticked ones", () => {
    assert.deepEqual(acceptedPicks([], "OB_EMR_ADT", false), ["OB_EMR_ADT"]);
    assert.deepEqual(acceptedPicks(["OB_A"], "OB_B", false), ["OB_A", "OB_B"]);
    assert.deepEqual(acceptedPicks(["OB_A", "OB_B"], "OB_B", false), ["OB_A", "OB_B"]);
    assert.deepEqual(acceptedPicks(["OB_A"], undefined, false), ["OB_A"]);
    assert.equal(acceptedPicks([], undefined, false), undefined);
    assert.deepEqual(acceptedPicks([], undefined, true), []);
  });

  it("a step that asks several questions says which one of how many", () => {
    assert.equal(questionTitle("New Route", "inbound settings", 1, 1), "New Route — inbound settings");
    assert.equal(
      questionTitle("New Route", "new outbound connection", 2, 4),
      "New Route — new outbound connection: question 2 of 4",
    );
    assert.equal(questionTitle("New Route", "filter", 3), "New Route — filter: question 3");
    assert.equal(questionTitle("New Route", undefined, 1), "New Route");
  });

  it("the question count of each transport's settings is the number the step asks", async () => {
    const cases: [Direction, readonly Transport[]][] = [
      ["inbound", INBOUND_TRANSPORTS],
      ["outbound", OUTBOUND_TRANSPORTS],
    ];
    for (const [direction, transports] of cases) {
      for (const transport of transports) {
        const expected = settingsQuestionCount({ direction, transport });
        if (expected === undefined) continue; // database: depends on the answers
        const c: ConnectionAnswers = { direction, transport, name: "IB_TEST_X" };
        const { input, asked } = answeringInput();
        await askConnectionSettings(input, c, undefined);
        assert.equal(asked(), expected, `${direction} ${transport}`);
      }
    }
  });

  it("no wizard input box shows sample text as a placeholder", () => {
    // Placeholders read as defaults; StepInput.text has none, and no step passes one.
    for (const file of ["connectionSteps.ts", "databaseSteps.ts", "routeWizard.ts", "connectionWizard.ts"]) {
      const source = readFileSync(new URL(`../src/wizard/${file}`, import.meta.url), "utf8");
      for (const m of source.matchAll(/placeholder: "([^"]*)"/g)) {
        // A pick's placeholder is the question (a sentence), never a value such as env:acme_adt_host.
        assert.match(m[1] ?? "", /^[A-Z][^:]*\?/, `${file}: placeholder "${m[1]}" is not a question`);
      }
      assert.doesNotMatch(source, /env:acme|env:ehr/, file);
    }
  });

  it("after a route is written, the next steps run commands the extension contributes", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      contributes: { commands: { command: string }[] };
    };
    const contributed = new Set(manifest.contributes.commands.map((c) => c.command));
    assert.deepEqual(
      ROUTE_NEXT_STEPS.map((s) => s.title),
      ["Open in Test Bench", "Stage → Promote"],
    );
    for (const s of ROUTE_NEXT_STEPS) assert.ok(contributed.has(s.command), s.command);
    assert.match(routeWrittenMessage("lab_oru_2_router", "lab_oru_2.ts"), /lab_oru_2\.ts.*Test Bench/);
  });
});
