package org.articlesync.sample.host

import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import org.articlesync.ListFilter
import org.articlesync.OutboxState
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.annotation.Config

/** Reading: open, back, bookmark, the three filters, and the comment form. */
class ReadingTest : HostTest() {
    private val russia = "اعلام آمادگی وزارت دفاع روسیه"
    private val helsinki = "نشست ترامپ و پوتین در هلسینکی"
    private val russiaBody = "وزارت دفاع روسیه با انتشار"

    @Test fun anArticleShowsItsBodyAndCommentsAndBackReturnsToTheList() {
        val scenario = launch(Routes.direct())
        waitForText(russia).performClick()
        waitForText(russiaBody).assertIsDisplayed()
        assertFalse("no object-replacement character for the image", hasText("\uFFFC"))
        screenshot("android-article-en")
        waitForText("Comments").performScrollTo().assertIsDisplayed()
        waitForText("کارو: آمریکا از یک سو با روسیه توافق می کند").performScrollTo().assertIsDisplayed()
        assertEquals("russia-ready-military-cooperation-syria", state(scenario).article?.summary?.id)
        compose.onNodeWithText("Back").performScrollTo()
        compose.onNodeWithText("Back").performClick()
        waitForText(helsinki).assertIsDisplayed()
        assertNull(state(scenario).article)
        assertFalse(hasText(russiaBody))

        // The system back button closes the article too (BackHandler).
        waitForText(helsinki).performClick()
        eventually("the second article") { state(scenario).article?.summary?.id == "helsinki-summit" }
        waitForText("Send") // on screen, so its BackHandler is registered
        scenario.onActivity { it.onBackPressedDispatcher.onBackPressed() }
        eventually("the list after system back") { state(scenario).article == null && hasText(russia) }
    }

    @Test fun bookmarkAndTheAllUnreadBookmarkedFilters() {
        val scenario = launch(Routes.direct())
        waitForText(helsinki)
        waitForText(russia).performClick()
        compose.onNodeWithText("Bookmark").performClick()
        waitForText("Remove bookmark")
        assertNotNull(
            state(scenario)
                .article
                ?.summary
                ?.marks
                ?.bookmarkedAt,
        )
        compose.onNodeWithText("Back").performClick()

        compose.onNodeWithText("Bookmarked").performClick()
        eventually("only the bookmarked article") { hasText(russia) && !hasText(helsinki) }
        assertEquals(ListFilter.Bookmarked, state(scenario).filter)

        compose.onNodeWithText("Unread").performClick()
        // The bookmarked article was opened, so read: only the other one is unread.
        eventually("only the unread article") { hasText(helsinki) && !hasText(russia) }

        compose.onNodeWithText("All").performClick()
        eventually("both articles") { hasText(helsinki) && hasText(russia) }
        assertEquals(2, state(scenario).items.size)
    }

    @Test fun theCommentFormRefusesEmptyFieldsThenQueuesTheComment() {
        val scenario = launch(Routes.direct())
        waitForText(russia).performClick()
        compose.onNodeWithText("Send").performScrollTo().performClick()
        waitForText("An error occurred while filling in the form").assertIsDisplayed()
        assertTrue(app.reader.outbox().isEmpty())

        compose.onNodeWithText("Name").performScrollTo().performTextInput("Maryam")
        compose.onNodeWithText("Comment").performScrollTo().performTextInput("Thank you for the report")
        compose.onNodeWithText("Send").performScrollTo().performClick()
        waitForText("Maryam: Thank you for the report (waiting to be sent)").assertIsDisplayed()
        assertFalse(hasText("An error occurred while filling in the form"))
        val queued = app.reader.outbox().single()
        assertEquals("russia-ready-military-cooperation-syria", queued.articleId)
        assertEquals(OutboxState.WAITING, queued.state)
        assertEquals("", state(scenario).comment.body) // ready for the next one
        assertEquals("Maryam", state(scenario).comment.author)

        // A sync delivers it through the tree's comment endpoint; the form shows the new state.
        viewModel(scenario).sync()
        waitForText("Maryam: Thank you for the report (sent to the publisher)").assertIsDisplayed()
        assertEquals(
            OutboxState.SENT,
            app.reader
                .outbox()
                .single()
                .state,
        )

        // The other article does not list it.
        compose.onNodeWithText("Back").performScrollTo().performClick()
        waitForText(helsinki).performClick()
        waitForText("Send")
        assertFalse(hasText("Maryam: Thank you"))
    }

    @Test
    @Config(qualifiers = "+fa")
    fun theCommentFormInPersian() {
        launch(Routes.direct())
        waitForText(russia).performClick()
        compose.onNodeWithText("ارسال").performScrollTo().performClick()
        waitForText("در پرکردن فرم خطایی صورت گرفته").assertIsDisplayed()
        compose.onNodeWithText("نام").performScrollTo().performTextInput("مریم")
        compose.onNodeWithText("نظر").performScrollTo().performTextInput("سپاس از گزارش")
        compose.onNodeWithText("ارسال").performScrollTo().performClick()
        waitForText("مریم: سپاس از گزارش (در انتظار ارسال)").performScrollTo().assertIsDisplayed()
        assertEquals(
            OutboxState.WAITING,
            app.reader
                .outbox()
                .single()
                .state,
        )
        // Again with an empty comment: the error shows above the queued one.
        compose.onNodeWithText("ارسال").performScrollTo().performClick()
        waitForText("در پرکردن فرم خطایی صورت گرفته").performScrollTo()
        compose.onNodeWithText("مریم: سپاس از گزارش (در انتظار ارسال)").performScrollTo()
        screenshot("android-comment-fa")
    }
}
