"""Every lint rule, declared once as data.

Codes are stable: editors search for them, CI logs quote them, the docs have one heading per
code (checked by a test), and ``tests/support/lint_examples/`` has one failing example per code.
Never reuse or renumber a code; retire it instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kb.i18n import N_


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    """``summary`` and ``hint`` are English (the docs show them as they are); they are marked
    with ``N_()`` for the catalogs, and :attr:`kb.problems.Problem.hint` translates the hint."""

    code: str
    name: str  # never translated, like the code
    severity: Severity
    summary: str
    hint: str


_E, _W = Severity.ERROR, Severity.WARNING

RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in [
        Rule("KB001", "yaml-syntax", _E, N_("The file is not valid YAML."),
             N_("Fix the syntax at the line and column given; quote values that contain ': ' or start with a special character.")),
        Rule("KB002", "encoding", _E, N_("The file is binary, unreadable or not UTF-8."),
             N_("Save the file as UTF-8 text.")),
        Rule("KB003", "byte-order-mark", _W, N_("The file starts with a byte-order mark."),
             N_("Run `kb lint --fix` to remove it, or save the file as UTF-8 without BOM (most editors offer "
                "'UTF-8' next to 'UTF-8 with BOM').")),
        Rule("KB004", "line-endings", _W, N_("The file has Windows (CRLF) or old Mac (CR) line endings."),
             N_("Run `kb lint --fix` to change them to LF; `git config core.autocrlf input` keeps them so.")),
        Rule("KB005", "tab-indentation", _E, N_("A tab is used for indentation."),
             N_("Indent with two spaces; YAML does not allow tabs for indentation.")),
        Rule("KB006", "file-too-large", _E, N_("The file is larger than a snippet can reasonably be."),
             N_("A snippet is one reply: split long material into several snippets.")),
        Rule("KB007", "yaml-alias", _E, N_("The file uses YAML anchors or aliases."),
             N_("Write each value out in full; aliases make reviews hard and can blow up in size.")),
        Rule("KB008", "too-deep", _E, N_("The file nests deeper than the snippet format ever needs."),
             N_("Follow the snippet format: a snippet nests at most four levels.")),
        Rule("KB009", "ignored-file", _W, N_("A file in the knowledge base folder is not read as a snippet."),
             N_("Snippet files end in .yaml; rename the file or move it out of the folder.")),
        Rule("KB010", "not-a-mapping", _E, N_("The file's top level is not a mapping of fields."),
             N_("Start from `kb new ID`: a snippet is a mapping with id, kind, version and texts.")),
        Rule("KB011", "unknown-field", _E, N_("A field name is not part of the snippet format."),
             N_("Check the spelling against the snippet format; remove fields it does not define.")),
        Rule("KB012", "missing-field", _E, N_("A required field is missing."),
             N_("Add the field; `kb new ID` writes a complete skeleton.")),
        Rule("KB013", "wrong-type", _E, N_("A field has the wrong type."),
             N_("Use the type the snippet format gives (text, whole number, list, mapping).")),
        Rule("KB014", "id-mismatch", _E, N_("The id does not equal the file's path under responses/."),
             N_("Make `id` the path without .yaml (responses/outage/acknowledge.yaml has id: outage/acknowledge), lower case.")),
        Rule("KB015", "duplicate-id", _E, N_("Two files declare the same id."),
             N_("Give each snippet its own id, equal to its path.")),
        Rule("KB016", "unknown-language", _E, N_("A language code is not one of the knowledge base's languages."),
             N_("Use a code listed under `languages` in responses/kb.yaml, or add the language there.")),
        Rule("KB017", "missing-language", _E, N_("A required or source language text is missing."),
             N_("Write the text in that language; required languages are listed in responses/kb.yaml.")),
        Rule("KB018", "unknown-channel", _E, N_("A channel is not one of the knowledge base's channels."),
             N_("Use a channel listed under `channels` in responses/kb.yaml.")),
        Rule("KB019", "invalid-value", _E, N_("A field's value is outside what it allows."),
             N_("Use an allowed value: kind is reply or escalation, versions start at 1, texts are not empty.")),
        Rule("KB020", "unknown-placeholder", _E, N_("A placeholder names a variable that does not exist."),
             N_("Use a variable listed under `variables` in responses/kb.yaml (check the spelling), or add it there.")),
        Rule("KB021", "placeholder-mismatch", _E, N_("A translation uses other placeholders than the source text."),
             N_("Use exactly the placeholders of the source-language text in every translation.")),
        Rule("KB022", "malformed-placeholder", _E, N_("Braces that do not form a placeholder."),
             N_("Write placeholders as {{name.path}} with lower-case names, or remove the stray braces.")),
        Rule("KB023", "channel-limit", _E,
             N_("A text is longer than a channel allows once placeholders are filled at their maximum length."),
             N_("Shorten the text, add a `short` variant for short channels, or remove the channel from `channels`.")),
        Rule("KB024", "source-version-ahead", _E, N_("A translation claims to follow a source version that does not exist yet."),
             N_("Set `source_version` to the snippet's `version` or lower.")),
        Rule("KB025", "escalation-unapproved", _E, N_("An escalation snippet has no approval."),
             N_("Have it approved and record that with `kb approve ID --by NAME`.")),
        Rule("KB026", "escalation-no-triggers", _E, N_("An escalation snippet has no triggers."),
             N_("Add `triggers`: phrases in a customer's message that call for this escalation, per language.")),
        Rule("KB027", "approval-digest-mismatch", _E, N_("The approved wording has changed since it was approved."),
             N_("Get the new wording approved and record it with `kb approve ID --by NAME`; never edit the digest by hand.")),
        Rule("KB028", "reply-with-approval", _E, N_("A reply snippet carries approval or triggers, which only escalations use."),
             N_("Remove `approval` and `triggers`, or make the snippet `kind: escalation`.")),
        Rule("KB029", "unwritten-text", _E, N_("A text is still the prompt that `kb new` wrote into the skeleton."),
             N_("Write the reply in this language (or remove the language's text until it is translated); "
                "agents must never be offered a prompt as a reply.")),
        Rule("KB030", "stale-translation", _W, N_("A translation follows an older version of the source text."),
             N_("Update the translation, then set its `source_version` to the snippet's `version`.")),
        Rule("KB031", "missing-translation", _W, N_("A language of the knowledge base has no text in this snippet."),
             N_("Add the translation with `source_version` set to the snippet's `version`.")),
        Rule("KB050", "version-not-bumped", _E, N_("The source-language text changed since the base, but the version did not."),
             N_("Increase `version` by one: translators and agents see that translations now follow an older text.")),
        Rule("KB051", "version-decreased", _E, N_("The version is lower than in the base."),
             N_("Versions only go up; restore the base's version or a higher one.")),
        Rule("KB053", "snippet-removed", _W, N_("A snippet that exists in the base is removed."),
             N_("Check that no helpdesk macro, guide or other snippet still names it; the message lists the files that do.")),
        Rule("KB054", "snippet-renamed", _W, N_("A snippet's id changes, which breaks links to the old id."),
             N_("Update every file that names the old id; the message lists them.")),
        Rule("KB040", "settings", _E, N_("responses/kb.yaml is missing or invalid."),
             N_("Fix the setting named in the message; see the settings reference.")),
    ]
}


def rule(code: str) -> Rule:
    return RULES[code]
