"""Writes python/lexmetrics/data/sample.jsonl: the bundled demo corpus (deterministic): 20 documents,
one row each, with the outputs of two systems (columns A and B) and the reference."""

from __future__ import annotations

import json
import random
from pathlib import Path

REFERENCES = [
    "The city council approved a new budget on Tuesday.\nIt raises spending on schools and public transport.",
    "Heavy rain caused flooding in several northern towns.\nHundreds of residents were moved to emergency shelters.",
    "The company reported record profits for the third quarter.\nShares rose by eight percent after the announcement.",
    "Scientists discovered a new species of frog in the rainforest.\nThe tiny animal is smaller than a fingernail.",
    "The national team won the final after a penalty shootout.\nFans celebrated in the streets until morning.",
    "A new study links regular exercise to better sleep.\nParticipants who walked daily slept longer and woke less.",
    "The museum reopened after a two-year renovation.\nVisitors can now see the restored ancient sculptures.",
    "Engineers finished testing the new high-speed railway.\nPassenger service is expected to start next spring.",
    "The central bank kept interest rates unchanged.\nOfficials said inflation is slowly returning to target.",
    "Firefighters contained the wildfire near the coast.\nNo homes were destroyed, but several roads remain closed.",
    "The author's latest novel tops the bestseller list.\nCritics praised its vivid characters and sharp dialogue.",
    "Researchers built a battery that charges in five minutes.\nThe design could make electric cars more practical.",
    "The school district will hire two hundred new teachers.\nClass sizes are expected to shrink next year.",
    "A rare comet will be visible from Earth this weekend.\nAstronomers recommend viewing it just after sunset.",
    "The hospital opened a new wing for children's care.\nIt includes twenty beds and a play area for patients.",
    "Farmers expect a strong harvest after a mild summer.\nWheat and corn prices fell slightly this month.",
    "The software update fixes a serious security flaw.\nUsers are urged to install it as soon as possible.",
    "Volunteers planted ten thousand trees along the river.\nThe project aims to reduce erosion and support wildlife.",
    "The airline announced new direct flights to Asia.\nTickets go on sale at the end of the month.",
    "Local officials unveiled plans for a public park downtown.\nConstruction will begin after a period of public comment.",
]

SYNONYMS = {
    "approved": "passed",
    "new": "fresh",
    "raises": "increases",
    "caused": "led to",
    "several": "many",
    "record": "all-time high",
    "discovered": "found",
    "tiny": "small",
    "won": "clinched",
    "celebrated": "partied",
    "links": "connects",
    "reopened": "opened again",
    "finished": "completed",
    "kept": "held",
    "contained": "controlled",
    "praised": "lauded",
    "built": "developed",
    "hire": "recruit",
    "visible": "seen",
    "opened": "launched",
    "expect": "anticipate",
    "fixes": "patches",
    "planted": "put in",
    "announced": "revealed",
    "unveiled": "presented",
}


def perturb(text: str, rng: random.Random, strength: float) -> str:
    out_lines = []
    for line in text.split("\n"):
        words = line.split()
        new = []
        for w in words:
            r = rng.random()
            core = w.strip(".,")
            if r < strength * 0.3:
                continue  # drop
            if r < strength * 0.7 and core.lower() in SYNONYMS:
                w = w.replace(core, SYNONYMS[core.lower()])
            new.append(w)
        if rng.random() < strength * 0.3 and len(new) > 3:
            i = rng.randrange(len(new) - 1)
            new[i], new[i + 1] = new[i + 1], new[i]
        out_lines.append(" ".join(new))
    if rng.random() < strength * 0.4:
        out_lines = out_lines[:1]
    return "\n".join(out_lines)


def main() -> None:
    rng = random.Random(2024)
    rows = []
    for i, ref in enumerate(REFERENCES):
        # one row per document, one column per system: the layout of a paired comparison
        row = {"id": f"doc{i:02d}"}
        for system, strength in (("A", 0.45), ("B", 0.85)):
            row[system] = perturb(ref, rng, strength)
        row["reference"] = ref
        rows.append(row)
    path = Path(__file__).resolve().parents[1] / "python" / "lexmetrics" / "data" / "sample.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} rows to {path}")


if __name__ == "__main__":
    main()
