// Pieces shared by the forms: the error line, an album's title and description, and a sheet's Cancel.

/** The form's error, announced to screen readers; nothing when there is none. */
export function FormError({ message }: { message?: string }) {
  if (!message) return null;
  return (
    <p class="form-error" role="alert">
      {message}
    </p>
  );
}

/** Title and description fields of an album (new or edited); ids start with `idPrefix`. */
export function AlbumFields(p: { idPrefix: string; title: string; description: string; isNew?: boolean }) {
  return (
    <>
      <div class="field">
        <label for={`${p.idPrefix}-title`}>Title</label>
        <input
          id={`${p.idPrefix}-title`}
          name="title"
          type="text"
          required
          maxlength={200}
          autocomplete={p.isNew ? 'off' : undefined}
          autofocus={p.isNew}
          value={p.title}
        />
      </div>
      <div class="field">
        <label for={`${p.idPrefix}-description`}>
          Description{p.isNew && <> <span class="muted">(optional)</span></>}
        </label>
        <textarea id={`${p.idPrefix}-description`} name="description" maxlength={5000}>
          {p.description}
        </textarea>
      </div>
    </>
  );
}

/** A sheet's (popover's) Cancel: closes it, sends nothing. */
export function SheetCancel({ sheet }: { sheet: string }) {
  return (
    <button type="button" popovertarget={sheet} popovertargetaction="hide">
      Cancel
    </button>
  );
}
