// Package mail sends Velro's mails: plain-text and HTML bodies from
// embedded templates, through an SMTP server (go-mail) or, without one,
// into .eml files in an outbox directory. Postman runs the mail jobs of the
// queue: it makes a link's token when the mail leaves, so the token is
// never stored but as a hash.
package mail

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	texttemplate "text/template"

	gomail "github.com/wneessen/go-mail"
)

// Message is one mail to one address.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers messages.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

//go:embed templates
var templateFS embed.FS

// quote shows text a user wrote (a team name, a display name) between
// quotes, with anything unprintable escaped: it reads as quoted user text
// and can never pass for Velro's own words or break a line.
var quote = strconv.Quote

var (
	textTemplates = texttemplate.Must(texttemplate.New("").Funcs(texttemplate.FuncMap{"quote": quote}).ParseFS(templateFS, "templates/*.txt"))
	htmlTemplates = htmltemplate.Must(htmltemplate.New("").Funcs(htmltemplate.FuncMap{"quote": quote}).ParseFS(templateFS, "templates/*.html"))
)

// Compose renders the template named kind (kind.txt, kind.html; the text
// template's first line is "Subject: ...") with data. A Subject never
// holds text a user wrote (TestSubjectsHoldNoUserText): a subject is what a
// phishing mail needs most, and shows before any warning in the body.
func Compose(kind, to string, data any) (*Message, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, kind+".txt", data); err != nil {
		return nil, err
	}
	if err := htmlTemplates.ExecuteTemplate(&html, kind+".html", data); err != nil {
		return nil, err
	}
	first, body, _ := strings.Cut(text.String(), "\n")
	subject, ok := strings.CutPrefix(first, "Subject: ")
	if !ok {
		return nil, fmt.Errorf("mail: template %s.txt does not start with a Subject line", kind)
	}
	return &Message{To: to, Subject: strings.TrimSpace(subject), Text: strings.TrimLeft(body, "\n"), HTML: html.String()}, nil
}

// build turns m into a MIME message from the sender: text with an HTML
// alternative.
func build(from string, m *Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(from); err != nil {
		return nil, fmt.Errorf("mail: sender %q: %w", from, err)
	}
	if err := msg.To(m.To); err != nil {
		return nil, fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	// The text part as it is (8bit): its links stay whole on one line, for
	// people reading an .eml file; the HTML part is quoted-printable.
	msg.SetBodyString(gomail.TypeTextPlain, m.Text, gomail.WithPartEncoding(gomail.NoEncoding))
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	return msg, nil
}
